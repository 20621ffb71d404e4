import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Model, messageOf } from '../../api.ts';
import { credits, seconds } from '../../format.ts';
import type { PageDef, PageProps } from '../../pages.ts';
import { Field } from '../../ui/field.tsx';
import { useLoad } from '../../ui/load.ts';
import { ErrorNote, FormNote, Loading } from '../../ui/states.tsx';
import { type Source, Sources } from './sources.tsx';

interface Result {
  images: Array<{ url: string; width: number; height: number }>;
  generation_time_ms: number;
  credits_used: number;
  id: string;
  prompt: string;
}

function Playground({ accountId }: PageProps) {
  const catalog = useLoad(
    (signal) => api<{ models: Model[]; default_model: string }>('/models', { signal }),
    [],
  );
  const [model, setModel] = useState<string>('');
  const [size, setSize] = useState<string>('');
  const [sources, setSources] = useState<Source[]>([]);
  const [running, setRunning] = useState<{ started: number; n: number } | undefined>();
  const [elapsed, setElapsed] = useState(0);
  const [result, setResult] = useState<Result | undefined>();
  const [error, setError] = useState<string | undefined>();
  const abort = useRef<AbortController | undefined>(undefined);

  const models = catalog.data?.models ?? [];
  const chosen =
    models.find((m) => m.id === model) ??
    models.find((m) => m.id === catalog.data?.default_model) ??
    models[0];
  useEffect(() => {
    if (chosen && !chosen.sizes.includes(size)) setSize(chosen.default_size);
  }, [chosen, size]);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setElapsed(Date.now() - running.started), 200);
    return () => clearInterval(timer);
  }, [running]);
  useEffect(() => () => abort.current?.abort(), []);

  if (catalog.state === 'error')
    return <ErrorNote message={catalog.error} retry={catalog.reload} />;
  if (!catalog.data || !chosen) return <Loading what="the models" />;

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const n = Number(form.get('n'));
    setError(undefined);
    setResult(undefined);
    setElapsed(0);
    setRunning({ started: Date.now(), n });
    abort.current = new AbortController();
    try {
      const r = await api<Result>(`/accounts/${accountId}/generations`, {
        method: 'POST',
        body: {
          prompt: form.get('prompt'),
          model: chosen.id,
          size,
          number_of_images: n,
          optimize_prompt_mode: form.get('mode'),
          ...(sources.length > 0 && chosen.max_source_images > 0
            ? { image_urls: sources.map((s) => s.url) }
            : {}),
        },
        signal: abort.current.signal,
      });
      setResult(r);
    } catch (err) {
      if (!(err instanceof DOMException)) setError(messageOf(err));
    } finally {
      setRunning(undefined);
    }
  };

  return (
    <div class="playground">
      <form class="card stack" onSubmit={submit} aria-busy={running ? 'true' : 'false'}>
        <Field id="pg-prompt" label="Prompt">
          <textarea
            id="pg-prompt"
            name="prompt"
            rows={4}
            required
            maxLength={4000}
            placeholder="A beautiful sunset over mountains"
          />
        </Field>
        <div class="grid-2">
          <Field id="pg-model" label="Model">
            <select
              id="pg-model"
              value={chosen.id}
              onChange={(e) => setModel((e.currentTarget as HTMLSelectElement).value)}
            >
              {models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name} ({credits(m.price_per_image)} per image)
                </option>
              ))}
            </select>
          </Field>
          <Field id="pg-size" label="Size">
            <select
              id="pg-size"
              value={size}
              onChange={(e) => setSize((e.currentTarget as HTMLSelectElement).value)}
            >
              {chosen.sizes.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </Field>
          <Field id="pg-n" label="Number of images">
            <select id="pg-n" name="n" defaultValue="1">
              {[1, 2, 3, 4].map((n) => (
                <option key={n} value={String(n)}>
                  {n}
                </option>
              ))}
            </select>
          </Field>
          <Field id="pg-mode" label="Prompt mode">
            <select id="pg-mode" name="mode" defaultValue="standard">
              {chosen.prompt_modes.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </Field>
        </div>
        {chosen.max_source_images > 0 ? (
          <Sources sources={sources} max={chosen.max_source_images} onChange={setSources} />
        ) : null}
        <button type="submit" disabled={running !== undefined}>
          {running ? 'Generating…' : 'Generate'}
        </button>
      </form>
      <section aria-labelledby="pg-results" class="results">
        <h2 id="pg-results">Result</h2>
        {running ? (
          <div class="card" role="status" aria-live="polite">
            <progress aria-label="Generating images" />
            <p>
              Generating {running.n} image{running.n > 1 ? 's' : ''} with {chosen.name}…{' '}
              {seconds(elapsed)}
            </p>
            <button type="button" class="secondary" onClick={() => abort.current?.abort()}>
              Stop waiting
            </button>
          </div>
        ) : null}
        <FormNote error={error} />
        {result ? (
          <>
            <p role="status">
              {result.images.length} image{result.images.length > 1 ? 's' : ''} in{' '}
              {seconds(result.generation_time_ms)}, {credits(result.credits_used)} used.{' '}
              <a href={`#/gallery/${result.id}`}>Open in the gallery</a>
            </p>
            <div class="images">
              {result.images.map((img, i) => (
                <figure key={img.url} class="card">
                  <img
                    src={img.url}
                    alt={`Result ${i + 1}: ${result.prompt}`}
                    width={img.width}
                    height={img.height}
                  />
                  <figcaption class="row">
                    {img.width}×{img.height}
                    <a class="button secondary" href={img.url} download>
                      Download result {i + 1}
                    </a>
                  </figcaption>
                </figure>
              ))}
            </div>
          </>
        ) : !running && !error ? (
          <p class="state empty">Your images appear here.</p>
        ) : null}
      </section>
    </div>
  );
}

export const page: PageDef = {
  path: '/playground',
  title: 'Playground',
  group: 'account',
  nav: 5,
  component: Playground,
};
