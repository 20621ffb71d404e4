import { useState } from 'preact/hooks';
import { Field } from '../../ui/field.tsx';

const MAX_BYTES = 10 * 1024 * 1024;

export interface Source {
  readonly label: string;
  /** A data URI (uploaded) or an http(s) URL. */
  readonly url: string;
}

const readAsDataUrl = (file: File) =>
  new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });

/** Source images for blend mode: dropped or chosen files, and URLs. */
export function Sources(props: {
  sources: Source[];
  max: number;
  onChange: (s: Source[]) => void;
}) {
  const [over, setOver] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const [url, setUrl] = useState('');
  const add = async (files: FileList | null) => {
    if (!files) return;
    const added: Source[] = [];
    for (const file of Array.from(files)) {
      if (!file.type.startsWith('image/')) {
        setProblem(`${file.name} is not an image.`);
        continue;
      }
      if (file.size > MAX_BYTES) {
        setProblem(`${file.name} is larger than 10 MB.`);
        continue;
      }
      added.push({ label: file.name, url: await readAsDataUrl(file) });
    }
    props.onChange([...props.sources, ...added].slice(0, props.max));
  };
  return (
    <fieldset class="sources">
      <legend>Source images (blend mode, optional)</legend>
      <label
        class={over ? 'drop over' : 'drop'}
        for="source-files"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          setProblem(undefined);
          void add(e.dataTransfer?.files ?? null);
        }}
      >
        Drop images here, or choose files
        <input
          id="source-files"
          type="file"
          accept="image/png,image/jpeg,image/webp"
          multiple
          class="visually-hidden"
          onChange={(e) => {
            setProblem(undefined);
            void add((e.currentTarget as HTMLInputElement).files);
          }}
        />
      </label>
      <div class="row">
        <Field id="source-url" label="Image URL">
          <input
            id="source-url"
            type="url"
            placeholder="https://…"
            value={url}
            onInput={(e) => setUrl((e.currentTarget as HTMLInputElement).value)}
          />
        </Field>
        <button
          type="button"
          class="secondary"
          disabled={!/^https?:\/\/\S+$/.test(url)}
          onClick={() => {
            props.onChange([...props.sources, { label: url, url }].slice(0, props.max));
            setUrl('');
          }}
        >
          Add URL
        </button>
      </div>
      {problem ? (
        <p class="note error" role="alert">
          {problem}
        </p>
      ) : null}
      {props.sources.length > 0 ? (
        <ul class="source-list" aria-label="Source images">
          {props.sources.map((s, i) => (
            <li key={`${s.label}-${i}`}>
              <img src={s.url} alt="" />
              <span>{s.label.length > 40 ? `${s.label.slice(0, 40)}…` : s.label}</span>
              <button
                type="button"
                class="secondary"
                aria-label={`Remove ${s.label}`}
                onClick={() => props.onChange(props.sources.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </fieldset>
  );
}
