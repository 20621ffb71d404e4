import { hex, mix, type Rgb } from './color.ts';
import type { Palette } from './palette.ts';
import type { Rng } from './random.ts';

/** How a model draws: seedream 4.5 soft and atmospheric, seedream 4.0 flat and faceted. */
export type DrawingStyle = 'painterly' | 'graphic';

/** Everything a scene drawing depends on. */
export interface SceneSpec {
  /** Drawing size in pixels (the render size, which may be smaller than the delivered one). */
  readonly width: number;
  readonly height: number;
  readonly palette: Palette;
  readonly style: DrawingStyle;
  readonly rng: Rng;
  /** Renders a small SVG to PNG: costly filters are drawn at low resolution and embedded. */
  readonly rasterize: (svg: string) => Promise<Uint8Array>;
}

type Point = readonly [number, number];

const WHITE: Rgb = { r: 255, g: 255, b: 255 };
const BLACK: Rgb = { r: 0, g: 0, b: 0 };

const CLOUD_REDUCTION = 6;

const num = (v: number): string => String(Math.round(v * 10) / 10);
const pt = ([x, y]: Point): string => `${num(x)} ${num(y)}`;

/** Accumulates SVG definitions and shapes, handing out unique ids. */
class Canvas {
  readonly defs: string[] = [];
  readonly body: string[] = [];
  #next = 0;

  id(prefix: string): string {
    this.#next += 1;
    return `${prefix}${this.#next}`;
  }

  /** A gradient running from (x1, y1) to (x2, y2) in picture coordinates. */
  linear(from: Point, to: Point, stops: ReadonlyArray<readonly [number, Rgb, number?]>): string {
    const id = this.id('l');
    this.defs.push(
      `<linearGradient id="${id}" gradientUnits="userSpaceOnUse" x1="${num(from[0])}" y1="${num(from[1])}" x2="${num(to[0])}" y2="${num(to[1])}">${stopsOf(stops)}</linearGradient>`,
    );
    return `url(#${id})`;
  }

  /** A circular gradient in picture coordinates, optionally with an off-centre focus. */
  radial(
    centre: Point,
    radius: number,
    stops: ReadonlyArray<readonly [number, Rgb, number?]>,
    focus?: Point,
  ): string {
    const id = this.id('r');
    const f = focus ? ` fx="${num(focus[0])}" fy="${num(focus[1])}"` : '';
    this.defs.push(
      `<radialGradient id="${id}" gradientUnits="userSpaceOnUse" cx="${num(centre[0])}" cy="${num(centre[1])}" r="${num(radius)}"${f}>${stopsOf(stops)}</radialGradient>`,
    );
    return `url(#${id})`;
  }

  /** A gradient stretched over each shape's own box (so it follows the shape's aspect). */
  boxRadial(stops: ReadonlyArray<readonly [number, Rgb, number?]>, radius = 0.5): string {
    const id = this.id('b');
    this.defs.push(`<radialGradient id="${id}" r="${radius}">${stopsOf(stops)}</radialGradient>`);
    return `url(#${id})`;
  }

  add(svg: string): void {
    this.body.push(svg);
  }

  toSvg(width: number, height: number): string {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><defs>${this.defs.join('')}</defs>${this.body.join('')}</svg>`;
  }
}

function stopsOf(stops: ReadonlyArray<readonly [number, Rgb, number?]>): string {
  return stops
    .map(
      ([offset, colour, opacity]) =>
        `<stop offset="${num(offset * 100)}%" stop-color="${hex(colour)}"${opacity === undefined ? '' : ` stop-opacity="${Math.round(opacity * 1000) / 1000}"`}/>`,
    )
    .join('');
}

/** A scene: the SVG document, and the darkening at its corners (0..1) to apply to its pixels. */
export interface SceneDrawing {
  readonly svg: string;
  readonly vignette: number;
}

/** Draws a picture of the palette's scene kind as an SVG document. */
export async function sceneSvg(spec: SceneSpec): Promise<SceneDrawing> {
  const { width: W, height: H, palette: p, rng } = spec;
  const c = new Canvas();
  const painterly = spec.style === 'painterly';
  const horizon = H * rng.range(0.48, 0.7);
  const unit = Math.min(W, H);

  if (p.scene === 'space') {
    drawSpace(c, spec, unit);
  } else {
    drawSky(c, spec, horizon);
    const sun: Point = [W * rng.range(0.15, 0.85), horizon - H * rng.range(0.05, 0.3)];
    const sunRadius = unit * rng.range(0.045, 0.1);
    if (p.stars) drawStars(c, spec, horizon * 0.9, rng.int(90, 220));
    drawSun(c, spec, sun, sunRadius);
    if (painterly) await drawClouds(c, spec, horizon);
    switch (p.scene) {
      case 'sea':
        drawSea(c, spec, horizon, sun, sunRadius);
        break;
      case 'city':
        drawCity(c, spec, horizon);
        break;
      case 'forest':
        drawLayers(c, spec, horizon, 'forest');
        break;
      case 'peaks':
        drawLayers(c, spec, horizon, 'peaks');
        break;
      default:
        drawLayers(c, spec, horizon, 'hills');
    }
  }
  drawParticles(c, spec);
  // The vignette is applied to the pixels afterwards (pixels.ts): as a full-size gradient in the
  // SVG it cost librsvg about as much as the rest of the scene.
  const vignette = painterly ? rng.range(0.3, 0.5) : rng.range(0.08, 0.18);
  return { svg: c.toSvg(W, H), vignette };
}

function drawSky(
  c: Canvas,
  { width: W, height: H, palette: p, style, rng }: SceneSpec,
  horizon: number,
): void {
  if (style === 'painterly') {
    const fill = c.linear(
      [0, 0],
      [0, horizon],
      [
        [0, p.skyTop],
        [rng.range(0.45, 0.65), mix(p.skyTop, p.skyBottom, 0.55)],
        [1, p.skyBottom],
      ],
    );
    c.add(`<rect width="${W}" height="${H}" fill="${fill}"/>`);
    return;
  }
  const bands = rng.int(5, 9);
  const bandHeight = horizon / bands;
  c.add(`<rect width="${W}" height="${H}" fill="${hex(p.skyBottom)}"/>`);
  for (let i = 0; i < bands; i++) {
    const colour = mix(p.skyTop, p.skyBottom, i / (bands - 1));
    c.add(
      `<rect y="${num(i * bandHeight)}" width="${W}" height="${num(bandHeight + 1)}" fill="${hex(colour)}"/>`,
    );
  }
}

function drawSun(
  c: Canvas,
  { width: W, height: H, palette: p, style, rng }: SceneSpec,
  sun: Point,
  r: number,
): void {
  // Many stops approximate an exponential falloff; a linear one leaves a visible rim.
  const reach = rng.range(4, 8);
  const glow = c.radial(
    sun,
    r * reach,
    [0, 0.1, 0.2, 0.35, 0.5, 0.7, 1].map(
      (u) => [u, p.glow, 0.75 * Math.exp(-5 * u) * (1 - u)] as const,
    ),
  );
  // The glow fades to nothing at its radius: only its box (within the picture) is painted.
  const reachPx = r * reach;
  const x0 = Math.max(0, Math.floor(sun[0] - reachPx));
  const y0 = Math.max(0, Math.floor(sun[1] - reachPx));
  const x1 = Math.min(W, Math.ceil(sun[0] + reachPx));
  const y1 = Math.min(H, Math.ceil(sun[1] + reachPx));
  if (x1 > x0 && y1 > y0) {
    c.add(`<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="${glow}"/>`);
  }
  if (style === 'painterly') {
    const disc = c.radial(sun, r * 1.15, [
      [0, mix(p.glow, WHITE, 0.6)],
      [0.8, p.glow],
      [1, p.glow, 0],
    ]);
    c.add(`<circle cx="${num(sun[0])}" cy="${num(sun[1])}" r="${num(r * 1.15)}" fill="${disc}"/>`);
    return;
  }
  const lower = p.accents[0] ?? p.glow;
  const fill = c.linear(
    [0, sun[1] - r],
    [0, sun[1] + r],
    [
      [0, mix(p.glow, WHITE, 0.3)],
      [1, lower],
    ],
  );
  c.add(`<circle cx="${num(sun[0])}" cy="${num(sun[1])}" r="${num(r)}" fill="${fill}"/>`);
  // Retro sun: stripes in the sky's colour cut the lower half, thickening downwards.
  const stripes = rng.int(3, 6);
  for (let i = 0; i < stripes; i++) {
    const y = sun[1] + (r * (i + 0.5)) / stripes;
    const thickness = (r / stripes) * (0.15 + (0.5 * i) / stripes);
    c.add(
      `<rect x="${num(sun[0] - r)}" y="${num(y)}" width="${num(2 * r)}" height="${num(thickness)}" fill="${hex(p.skyBottom)}"/>`,
    );
  }
}

/** Cloud texture from fractal noise, drawn at a sixth of the size: it is soft anyway. */
async function drawClouds(c: Canvas, spec: SceneSpec, horizon: number): Promise<void> {
  const { width: W, palette: p, rng } = spec;
  const w = Math.max(8, Math.round(W / CLOUD_REDUCTION));
  const h = Math.max(8, Math.round(horizon / CLOUD_REDUCTION));
  const fx = rng.range(1.5, 4) / w;
  const fy = fx * rng.range(2.5, 4.5);
  const colour = mix(mix(p.glow, p.skyBottom, 0.5), WHITE, 0.3);
  const gain = rng.range(2.5, 4);
  const cut = -gain * rng.range(0.45, 0.6);
  const channel = (v: number): string => `0 0 0 0 ${(v / 255).toFixed(3)}`;
  const seed = rng.int(1, 9999);
  const opacity = rng.range(0.35, 0.65).toFixed(2);
  // The layer's opacity is baked into the texture's alpha (after the clamp of the first matrix):
  // an `opacity` on the <image> would make librsvg composite it through a full-size layer.
  const texture = await spec.rasterize(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><filter id="n" x="0" y="0" width="1" height="1" color-interpolation-filters="sRGB"><feTurbulence type="fractalNoise" baseFrequency="${fx.toFixed(5)} ${fy.toFixed(5)}" numOctaves="3" seed="${seed}"/><feColorMatrix type="matrix" values="${channel(colour.r)} ${channel(colour.g)} ${channel(colour.b)} ${gain.toFixed(3)} 0 0 0 ${cut.toFixed(3)}"/><feColorMatrix type="matrix" values="1 0 0 0 0 0 1 0 0 0 0 0 1 0 0 0 0 0 ${opacity} 0"/></filter><rect width="${w}" height="${h}" filter="url(#n)"/></svg>`,
  );
  const uri = `data:image/png;base64,${Buffer.from(texture).toString('base64')}`;
  c.add(`<image href="${uri}" width="${W}" height="${num(horizon)}" preserveAspectRatio="none"/>`);
}

function drawStars(
  c: Canvas,
  { width: W, palette: p, rng }: SceneSpec,
  bottom: number,
  count: number,
): void {
  const scale = W / 1024;
  const dots: string[] = [];
  for (let i = 0; i < count; i++) {
    const x = rng.range(0, W);
    const y = bottom * rng.next() ** 1.4;
    const tint =
      rng.next() < 0.2 ? mix(WHITE, rng.pick(p.accents.length ? p.accents : [WHITE]), 0.4) : WHITE;
    dots.push(
      `<circle cx="${num(x)}" cy="${num(y)}" r="${num(rng.range(0.3, 1.4) * scale)}" fill="${hex(tint)}" fill-opacity="${rng.range(0.35, 1).toFixed(2)}"/>`,
    );
  }
  c.add(`<g>${dots.join('')}</g>`);
}

/** A wavy ridge across the picture: layered sines plus roughness. */
function ridge(
  rng: Rng,
  W: number,
  baseY: number,
  amp: number,
  count: number,
  rough: number,
): Point[] {
  const waves = [
    [rng.range(0.6, 2), rng.next(), 0.55],
    [rng.range(2.5, 5), rng.next(), 0.3],
    [rng.range(7, 14), rng.next(), 0.15 * rough],
  ] as const;
  const points: Point[] = [];
  for (let i = 0; i <= count; i++) {
    const u = i / count;
    let y = 0;
    for (const [freq, phase, weight] of waves)
      y += weight * Math.sin(2 * Math.PI * (freq * u + phase));
    points.push([W * u, baseY - amp * (y + rough * rng.range(-0.12, 0.12))]);
  }
  return points;
}

/** A jagged mountain line by midpoint displacement. */
function peaksRidge(rng: Rng, W: number, baseY: number, amp: number, levels: number): Point[] {
  const n = 2 ** levels;
  const ys = new Array<number>(n + 1).fill(baseY);
  ys[0] = baseY - amp * rng.range(0, 0.6);
  ys[n] = baseY - amp * rng.range(0, 0.6);
  let step = n;
  let spread = amp;
  while (step > 1) {
    const half = step / 2;
    for (let i = half; i < n; i += step) {
      ys[i] = (ys[i - half]! + ys[i + half]!) / 2 - spread * rng.range(-0.45, 0.75);
    }
    step = half;
    spread *= 0.55;
  }
  return ys.map((y, i) => [(W * i) / n, y] as const);
}

/** A filled shape from a ridge line down to the bottom edge. */
function groundPath(points: readonly Point[], H: number, smooth: boolean): string {
  const first = points[0]!;
  const last = points[points.length - 1]!;
  let d = `M${pt(first)}`;
  if (smooth) {
    // Catmull-Rom through the points, as cubic Béziers.
    for (let i = 0; i < points.length - 1; i++) {
      const p0 = points[i - 1] ?? points[i]!;
      const p1 = points[i]!;
      const p2 = points[i + 1]!;
      const p3 = points[i + 2] ?? p2;
      const c1: Point = [p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6];
      const c2: Point = [p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6];
      d += `C${pt(c1)} ${pt(c2)} ${pt(p2)}`;
    }
  } else {
    for (const point of points.slice(1)) d += `L${pt(point)}`;
  }
  return `${d}L${num(last[0])} ${num(H)}L${num(first[0])} ${num(H)}Z`;
}

function heightAt(points: readonly Point[], x: number): number {
  for (let i = 0; i < points.length - 1; i++) {
    const [x0, y0] = points[i]!;
    const [x1, y1] = points[i + 1]!;
    if (x >= x0 && x <= x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0 || 1);
  }
  return points[points.length - 1]![1];
}

/** Receding layers of land, hazier with distance; forests get trees, peaks get jagged lines. */
function drawLayers(
  c: Canvas,
  spec: SceneSpec,
  horizon: number,
  kind: 'hills' | 'peaks' | 'forest',
): void {
  const { width: W, height: H, palette: p, rng, style } = spec;
  const painterly = style === 'painterly';
  const layers = rng.int(3, painterly ? 5 : 4);
  for (let i = 0; i < layers; i++) {
    const t = i / (layers - 1);
    const baseY = horizon + (H - horizon) * (0.02 + 0.55 * t ** 1.2);
    const jagged = kind === 'peaks' && i < layers - 1;
    const amp = H * rng.range(0.04, 0.1) * (jagged ? 2.6 - t : 1) * (1 - 0.3 * t);
    const points = jagged
      ? peaksRidge(rng, W, baseY, amp, painterly ? 6 : 4)
      : ridge(rng, W, baseY, amp, painterly ? 24 : rng.int(7, 12), kind === 'hills' ? 0.3 : 0.8);
    const body = mix(p.far, p.near, t);
    const colour = mix(
      p.skyBottom,
      body,
      (painterly ? 0.45 : 0.62) + (painterly ? 0.55 : 0.38) * t,
    );
    const top = Math.min(...points.map(([, y]) => y));
    if (painterly) {
      const fill = c.linear(
        [0, top],
        [0, H],
        [
          [0, mix(colour, p.glow, jagged ? 0.35 : 0.18)],
          [0.35, colour],
          [1, mix(colour, p.near, 0.5)],
        ],
      );
      c.add(`<path d="${groundPath(points, H, !jagged)}" fill="${fill}"/>`);
    } else {
      c.add(`<path d="${groundPath(points, H, false)}" fill="${hex(colour)}"/>`);
      drawFacets(c, spec, points, colour, amp);
    }
    if (kind === 'forest' && i > 0) drawTrees(c, spec, points, colour, t);
    if (painterly && i < layers - 1) {
      c.add(
        `<rect y="${num(top - H * 0.05)}" width="${W}" height="${num(H - top + H * 0.05)}" fill="${hex(p.skyBottom)}" fill-opacity="0.1"/>`,
      );
    }
  }
}

/** Low-poly shading along a ridge: each segment lit or shaded by its slope. */
function drawFacets(
  c: Canvas,
  { rng }: SceneSpec,
  points: readonly Point[],
  colour: Rgb,
  amp: number,
): void {
  const light = rng.next() < 0.5 ? 1 : -1;
  const shapes: string[] = [];
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const slope = ((b[1] - a[1]) / (b[0] - a[0] || 1)) * light;
    const shade =
      slope > 0
        ? mix(colour, WHITE, Math.min(0.25, slope * 0.3))
        : mix(colour, BLACK, Math.min(0.3, -slope * 0.35));
    const depth = amp * rng.range(0.6, 1.4);
    const mid: Point = [
      (a[0] + b[0]) / 2 + rng.range(-0.2, 0.2) * (b[0] - a[0]),
      Math.max(a[1], b[1]) + depth,
    ];
    shapes.push(`<path d="M${pt(a)}L${pt(b)}L${pt(mid)}Z" fill="${hex(shade)}"/>`);
  }
  c.add(`<g>${shapes.join('')}</g>`);
}

function drawTrees(
  c: Canvas,
  { width: W, height: H, palette: p, rng, style }: SceneSpec,
  ground: readonly Point[],
  colour: Rgb,
  t: number,
): void {
  const count = Math.round(rng.int(14, 36) * (1 + t));
  const tiers = style === 'painterly' ? 3 : 1;
  const shapes: string[] = [];
  for (let i = 0; i < count; i++) {
    const x = rng.range(-0.02, 1.02) * W;
    const h = H * rng.range(0.05, 0.12) * (0.5 + 1.2 * t);
    const w = h * rng.range(0.28, 0.42);
    const base = heightAt(ground, Math.min(W, Math.max(0, x))) + h * 0.08;
    const shade = mix(colour, rng.next() < 0.5 ? p.near : p.far, rng.range(0, 0.25));
    let d = '';
    for (let k = 0; k < tiers; k++) {
      const tierTop = base - h + (k * h) / (tiers + 1);
      const tierBottom = base - ((tiers - 1 - k) * h) / (tiers + 2);
      const spread = (w / 2) * (0.6 + (0.4 * (k + 1)) / tiers);
      d += `M${num(x)} ${num(tierTop)}L${num(x + spread)} ${num(tierBottom)}L${num(x - spread)} ${num(tierBottom)}Z`;
    }
    shapes.push(`<path d="${d}" fill="${hex(shade)}"/>`);
  }
  c.add(`<g>${shapes.join('')}</g>`);
}

function drawSea(c: Canvas, spec: SceneSpec, horizon: number, sun: Point, sunRadius: number): void {
  const { width: W, height: H, palette: p, rng, style } = spec;
  const painterly = style === 'painterly';
  if (rng.next() < 0.7) {
    const islands = ridge(rng, W, horizon, H * rng.range(0.015, 0.05), 20, 0.6);
    const colour = mix(p.skyBottom, p.far, 0.55);
    c.add(
      `<path d="${groundPath(
        islands.map(([x, y]) => [x, Math.min(y, horizon)] as const),
        horizon + 1,
        painterly,
      )}" fill="${hex(colour)}"/>`,
    );
  }
  const surface = mix(p.skyBottom, p.far, 0.5);
  if (painterly) {
    const fill = c.linear(
      [0, horizon],
      [0, H],
      [
        [0, surface],
        [1, p.near],
      ],
    );
    c.add(`<rect y="${num(horizon)}" width="${W}" height="${num(H - horizon)}" fill="${fill}"/>`);
  } else {
    const bands = rng.int(4, 7);
    for (let i = 0; i < bands; i++) {
      const y0 = horizon + (H - horizon) * (i / bands) ** 1.4;
      c.add(
        `<rect y="${num(y0)}" width="${W}" height="${num(H - y0)}" fill="${hex(mix(surface, p.near, i / (bands - 1)))}"/>`,
      );
    }
  }
  const glints: string[] = [];
  const steps = rng.int(14, 30);
  for (let k = 0; k < steps; k++) {
    const u = k / steps;
    const y = horizon + (H - horizon) * u ** 1.3;
    const half = sunRadius * (0.6 + 2.5 * u) * rng.range(0.6, 1.3);
    const thick = Math.max(1, H * 0.004 * (1 + 2 * u));
    const x = sun[0] + rng.range(-0.3, 0.3) * sunRadius;
    glints.push(
      `<ellipse cx="${num(x)}" cy="${num(y)}" rx="${num(half)}" ry="${num(thick)}" fill="${hex(p.glow)}" fill-opacity="${((1 - u) * 0.7).toFixed(2)}"/>`,
    );
  }
  c.add(`<g>${glints.join('')}</g>`);
  const lines = rng.int(14, 30);
  const crest = mix(p.glow, p.skyBottom, 0.5);
  const waves: string[] = [];
  for (let j = 1; j <= lines; j++) {
    const u = j / lines;
    const y = horizon + (H - horizon) * u ** 1.6;
    const wavelength = W * (0.02 + 0.12 * u) * rng.range(0.7, 1.3);
    const amplitude = H * 0.004 * (1 + 3 * u);
    const phase = rng.range(0, Math.PI * 2);
    const step = painterly ? wavelength / 6 : wavelength / 2;
    let d = '';
    for (let x = -step; x <= W + step; x += step) {
      const yy = y + amplitude * Math.sin((2 * Math.PI * x) / wavelength + phase);
      d += `${d ? 'L' : 'M'}${num(x)} ${num(yy)}`;
    }
    waves.push(
      `<path d="${d}" fill="none" stroke="${hex(crest)}" stroke-width="${num(Math.max(0.6, amplitude * 0.5))}" stroke-opacity="${rng.range(0.12, painterly ? 0.35 : 0.5).toFixed(2)}"/>`,
    );
  }
  c.add(`<g>${waves.join('')}</g>`);
  if (rng.next() < 0.5) {
    const shore = ridge(rng, W, H * rng.range(0.9, 0.97), H * 0.05, 16, 0.5);
    c.add(
      `<path d="${groundPath(shore, H, painterly)}" fill="${hex(mix(p.near, p.accents[1] ?? p.far, 0.3))}"/>`,
    );
  }
}

function drawCity(c: Canvas, spec: SceneSpec, horizon: number): void {
  const { width: W, height: H, palette: p, rng, style } = spec;
  const painterly = style === 'painterly';
  const lights = [p.glow, ...p.accents];
  for (const [layer, t] of [
    [0, 0],
    [1, 1],
  ] as const) {
    const colour = mix(
      p.skyBottom,
      mix(p.far, p.near, t),
      painterly ? 0.55 + 0.45 * t : 0.7 + 0.3 * t,
    );
    const shapes: string[] = [];
    const windows: string[] = [];
    let x = -rng.range(0, W * 0.03);
    while (x < W) {
      const w = W * rng.range(0.03, 0.09) * (layer === 0 ? 0.8 : 1.2);
      const h = H * (layer === 0 ? rng.range(0.06, 0.28) : rng.range(0.1, 0.45));
      const top = horizon + H * (layer === 0 ? 0.02 : 0.12) - h;
      shapes.push(
        `<rect x="${num(x)}" y="${num(top)}" width="${num(w + 0.5)}" height="${num(H - top)}" fill="${hex(mix(colour, p.near, rng.range(0, 0.2)))}"/>`,
      );
      if (rng.next() < 0.3) {
        const mastX = x + w * rng.range(0.3, 0.7);
        shapes.push(
          `<rect x="${num(mastX)}" y="${num(top - h * 0.15)}" width="${num(Math.max(1, w * 0.04))}" height="${num(h * 0.15)}" fill="${hex(colour)}"/>`,
        );
      }
      const size = W * (layer === 0 ? 0.004 : 0.007);
      const cols = Math.floor(w / (size * 2.4));
      const rows = Math.min(40, Math.floor((H - top) / (size * 3)));
      const lit = rng.range(0.1, 0.35) * (layer === 0 ? 0.6 : 1);
      const light = rng.pick(lights);
      for (let cx = 0; cx < cols; cx++) {
        for (let ry = 0; ry < rows; ry++) {
          if (rng.next() > lit) continue;
          windows.push(
            `<rect x="${num(x + size * 0.7 + cx * size * 2.4)}" y="${num(top + size + ry * size * 3)}" width="${num(size)}" height="${num(size * 1.4)}" fill="${hex(light)}" fill-opacity="${rng.range(0.5, 1).toFixed(2)}"/>`,
          );
        }
      }
      x += w + W * rng.range(0, 0.01);
    }
    c.add(`<g>${shapes.join('')}</g><g>${windows.join('')}</g>`);
    if (layer === 0 && painterly) {
      const haze = c.linear(
        [0, horizon - H * 0.2],
        [0, H],
        [
          [0, p.skyBottom, 0],
          [0.5, p.skyBottom, 0.35],
          [1, lights[1] ?? p.glow, 0.2],
        ],
      );
      c.add(`<rect width="${W}" height="${H}" fill="${haze}"/>`);
    }
  }
  const signs = rng.int(2, 7);
  for (let i = 0; i < signs; i++) {
    const colour = rng.pick(p.accents.length ? p.accents : [p.glow]);
    const x = rng.range(0.05, 0.95) * W;
    const y = horizon + H * rng.range(-0.15, 0.2);
    const w = W * rng.range(0.006, 0.02);
    const h = H * rng.range(0.04, 0.12);
    if (painterly) {
      const halo = c.boxRadial([
        [0, colour, 0.55],
        [1, colour, 0],
      ]);
      c.add(
        `<ellipse cx="${num(x + w / 2)}" cy="${num(y + h / 2)}" rx="${num(w * 4)}" ry="${num(h)}" fill="${halo}"/>`,
      );
    }
    c.add(
      `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="${hex(mix(colour, WHITE, 0.25))}"/>`,
    );
  }
}

function drawSpace(c: Canvas, spec: SceneSpec, unit: number): void {
  const { width: W, height: H, palette: p, rng, style } = spec;
  const painterly = style === 'painterly';
  const centre: Point = [W * rng.range(0.2, 0.8), H * rng.range(0.2, 0.8)];
  const bg = c.radial(centre, Math.max(W, H) * 0.9, [
    [0, p.skyBottom],
    [1, p.skyTop],
  ]);
  c.add(`<rect width="${W}" height="${H}" fill="${bg}"/>`);
  const clouds = rng.int(4, 8);
  for (let i = 0; i < clouds; i++) {
    const colour = rng.pick(p.accents.length ? p.accents : [p.glow]);
    const fill = c.boxRadial([
      [0, colour, painterly ? rng.range(0.3, 0.55) : rng.range(0.5, 0.7)],
      [painterly ? 0.4 : 0.7, colour, painterly ? 0.15 : 0.45],
      [1, colour, 0],
    ]);
    const cx = W * rng.range(0, 1);
    const cy = H * rng.range(0, 1);
    c.add(
      `<ellipse cx="${num(cx)}" cy="${num(cy)}" rx="${num(unit * rng.range(0.3, 0.8))}" ry="${num(unit * rng.range(0.1, 0.3))}" fill="${fill}" transform="rotate(${num(rng.range(-60, 60))} ${num(cx)} ${num(cy)})"/>`,
    );
  }
  drawStars(c, spec, H, rng.int(200, 420));
  if (rng.next() < 0.85) {
    const r = unit * rng.range(0.1, 0.28);
    const at: Point = [W * rng.range(0.15, 0.85), H * rng.range(0.2, 0.8)];
    const lit = mix(rng.pick(p.accents.length ? p.accents : [p.glow]), WHITE, 0.3);
    const tilt = rng.range(-30, 30);
    const ring = rng.next() < 0.5;
    const ringSvg = `<ellipse cx="${num(at[0])}" cy="${num(at[1])}" rx="${num(r * 1.9)}" ry="${num(r * 0.45)}" fill="none" stroke="${hex(mix(lit, p.glow, 0.5))}" stroke-width="${num(r * 0.12)}" stroke-opacity="0.7" transform="rotate(${num(tilt)} ${num(at[0])} ${num(at[1])})"/>`;
    if (painterly) {
      const halo = c.radial(at, r * 1.6, [
        [0.6, lit, 0.35],
        [1, lit, 0],
      ]);
      c.add(`<circle cx="${num(at[0])}" cy="${num(at[1])}" r="${num(r * 1.6)}" fill="${halo}"/>`);
    }
    const light: Point = [at[0] - r * 0.45, at[1] - r * 0.45];
    const body = painterly
      ? c.radial(
          at,
          r,
          [
            [0, lit],
            [0.7, mix(lit, p.near, 0.6)],
            [1, p.near],
          ],
          light,
        )
      : hex(lit);
    c.add(`<circle cx="${num(at[0])}" cy="${num(at[1])}" r="${num(r)}" fill="${body}"/>`);
    if (!painterly) {
      const clip = c.id('c');
      c.defs.push(
        `<clipPath id="${clip}"><circle cx="${num(at[0])}" cy="${num(at[1])}" r="${num(r)}"/></clipPath>`,
      );
      c.add(
        `<circle cx="${num(at[0] + r * 0.5)}" cy="${num(at[1] + r * 0.3)}" r="${num(r)}" fill="${hex(p.near)}" fill-opacity="0.6" clip-path="url(#${clip})"/>`,
      );
    }
    if (ring) c.add(ringSvg);
  }
}

function drawParticles(c: Canvas, { width: W, height: H, palette: p, rng }: SceneSpec): void {
  if (p.particles === 'none') return;
  const scale = W / 1024;
  const shapes: string[] = [];
  const count = p.particles === 'snow' ? rng.int(150, 350) : rng.int(50, 130);
  for (let i = 0; i < count; i++) {
    const x = rng.range(0, W);
    if (p.particles === 'snow') {
      shapes.push(
        `<circle cx="${num(x)}" cy="${num(rng.range(0, H))}" r="${num(rng.range(0.6, 2.6) * scale)}" fill="#ffffff" fill-opacity="${rng.range(0.4, 0.9).toFixed(2)}"/>`,
      );
    } else if (p.particles === 'embers') {
      const colour = rng.pick(p.accents.length ? p.accents : [p.glow]);
      shapes.push(
        `<circle cx="${num(x)}" cy="${num(H * (1 - rng.next() ** 2))}" r="${num(rng.range(0.5, 2) * scale)}" fill="${hex(colour)}" fill-opacity="${rng.range(0.5, 1).toFixed(2)}"/>`,
      );
    } else {
      const colour = rng.pick(p.accents.length ? p.accents : [p.glow]);
      const cx = rng.range(0, W);
      const cy = rng.range(0, H);
      shapes.push(
        `<ellipse cx="${num(cx)}" cy="${num(cy)}" rx="${num(rng.range(2, 5) * scale)}" ry="${num(rng.range(1, 2.5) * scale)}" fill="${hex(colour)}" fill-opacity="${rng.range(0.6, 0.95).toFixed(2)}" transform="rotate(${num(rng.range(0, 180))} ${num(cx)} ${num(cy)})"/>`,
      );
    }
  }
  c.add(`<g>${shapes.join('')}</g>`);
}
