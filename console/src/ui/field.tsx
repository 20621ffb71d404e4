import type { ComponentChildren } from 'preact';

let next = 0;
/** A stable id for a label's control. */
export const fieldId = (name: string) => `f-${name}-${++next}`;

/** A visible label with its control (the control gets `id`). */
export function Field(props: {
  id: string;
  label: string;
  hint?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint ? <small id={`${props.id}-hint`}>{props.hint}</small> : null}
    </div>
  );
}
