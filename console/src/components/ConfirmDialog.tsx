/**
 * Every action asks first: a modal `<dialog>` (focus stays inside, Esc cancels) saying what will happen, with an
 * optional reason field; the API's answer — success or its error message and field — is shown, never swallowed.
 */
import { type ComponentChildren, createContext } from 'preact';
import { useContext, useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.ts';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children?: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  /** Ask for a reason (sent with the action). */
  reason?: { label: string; required?: boolean; placeholder?: string };
  busy?: boolean;
  error?: string;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [reason, setReason] = useState('');
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) {
      setReason('');
      dialog.showModal();
    } else if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  const missing = props.reason?.required === true && reason.trim() === '';
  return (
    <dialog
      ref={ref}
      class="confirm"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        if (!props.busy) props.onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (!missing && !props.busy) props.onConfirm(reason.trim());
        }}
      >
        <h2 id={titleId}>{props.title}</h2>
        <div class="confirm-body">{props.children}</div>
        {props.reason && (
          <label class="field">
            <span>
              {props.reason.label}
              {props.reason.required ? ' (required)' : ' (optional)'}
            </span>
            <textarea
              name="reason"
              rows={2}
              value={reason}
              placeholder={props.reason.placeholder}
              onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
            />
          </label>
        )}
        {props.error && (
          <p class="error" role="alert">
            {props.error}
          </p>
        )}
        <div class="actions">
          <button type="button" onClick={props.onCancel} disabled={props.busy}>
            Cancel
          </button>
          <button type="submit" class={props.danger ? 'danger' : 'primary'} disabled={props.busy || missing}>
            {props.busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** The text of any failure, with the API's field and Retry-After when it gave them. */
export function errorText(error: unknown): string {
  return error instanceof ApiError ? error.describe() : (error as Error).message;
}

export interface ActionButtonProps<R> {
  /** The button's text (also the dialog's confirm button unless `confirmLabel`). */
  label: string;
  title: string;
  description: ComponentChildren;
  confirmLabel?: string;
  danger?: boolean;
  disabled?: boolean;
  reason?: ConfirmDialogProps['reason'];
  run: (reason: string) => Promise<R>;
  /** What to say when it worked. */
  done: (result: R) => string;
  onDone?: (result: R) => void;
}

/** What an action came to, as its button or group shows it. */
interface Outcome {
  ok: boolean;
  text: string;
}

function OutcomeText({ outcome }: { outcome: Outcome }) {
  return (
    <span class={outcome.ok ? 'outcome ok' : 'outcome error'} role="status">
      {outcome.ok ? '✓ ' : '✕ '}
      {outcome.text}
    </span>
  );
}

/** Where the {@link ActionButton}s inside an {@link ActionGroup} report their outcome. */
const GroupOutcome = createContext<((outcome: Outcome) => void) | undefined>(undefined);

/**
 * Actions whose buttons come and go with what they change (Pause gives way to Resume, a reset budget hides its
 * button, a retired service has none): the group shows the latest outcome after its children, so it stays when the
 * button that reported it is gone. Outside a group, a button shows its outcome beside itself.
 */
export function ActionGroup({ children }: { children: ComponentChildren }) {
  const [outcome, setOutcome] = useState<Outcome>();
  return (
    <GroupOutcome.Provider value={setOutcome}>
      {children}
      {outcome && <OutcomeText outcome={outcome} />}
    </GroupOutcome.Provider>
  );
}

/** A button that opens a {@link ConfirmDialog}, runs the action, and shows the outcome (see {@link ActionGroup}). */
export function ActionButton<R>(props: ActionButtonProps<R>) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [ownOutcome, setOwnOutcome] = useState<Outcome>();
  const group = useContext(GroupOutcome);
  const setOutcome = group ?? setOwnOutcome;
  const confirm = async (reason: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await props.run(reason);
      setOpen(false);
      setOutcome({ ok: true, text: props.done(result) });
      props.onDone?.(result);
    } catch (e) {
      setError(errorText(e));
      setOutcome({ ok: false, text: errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button
        type="button"
        class={props.danger ? 'danger' : undefined}
        disabled={props.disabled}
        onClick={() => {
          setError(undefined);
          setOpen(true);
        }}
      >
        {props.label}
      </button>
      <ConfirmDialog
        open={open}
        title={props.title}
        confirmLabel={props.confirmLabel ?? props.label}
        danger={props.danger}
        reason={props.reason}
        busy={busy}
        error={error}
        onConfirm={(r) => void confirm(r)}
        onCancel={() => setOpen(false)}
      >
        {props.description}
      </ConfirmDialog>
      {ownOutcome && !open && <OutcomeText outcome={ownOutcome} />}
    </span>
  );
}
