import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Images and credits per day as bars and a line (uPlot, canvas), sized to its container. */
export function UsageChart(props: { days: string[]; images: number[]; credits: number[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    const ink = dark ? '#d8dee9' : '#243040';
    const grid = dark ? '#3b4252' : '#e3e8ef';
    const xs = props.days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const axis = { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid } };
    const plot = new uPlot(
      {
        width: el.clientWidth,
        height: 260,
        scales: { x: { time: true }, credits: { auto: true } },
        axes: [
          axis,
          { ...axis, label: 'Images', values: (_u, v) => v.map((n) => String(n)) },
          { ...axis, scale: 'credits', side: 1, label: 'Credits', grid: { show: false } },
        ],
        series: [
          {},
          {
            label: 'Images',
            stroke: '#2f6fed',
            fill: 'rgba(47,111,237,0.35)',
            paths: uPlot.paths.bars!({ size: [0.6, 40] }),
            points: { show: false },
          },
          { label: 'Credits', scale: 'credits', stroke: '#d9822b', width: 2 },
        ],
        legend: { show: true },
      },
      [xs, props.images, props.credits],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 260 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.days, props.images, props.credits]);
  return (
    <figure class="chart">
      <div
        ref={box}
        role="img"
        aria-label={`Chart of images and credits per day, ${props.days.length} days`}
      />
      <figcaption class="visually-hidden">Images (bars) and credits (line) per day.</figcaption>
    </figure>
  );
}
