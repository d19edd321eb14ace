import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * The app's modal dialog (`<dialog>` shown modal): the browser keeps focus inside it; Escape, or
 * the browser closing it, calls `onClose`; when it goes, the control that opened it gets the focus
 * back. Every page's dialogs are this one.
 */
export function Dialog({ title, onClose, children, class: className = 'crm-dialog' }: { title: string; onClose(): void; children: ComponentChildren; class?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useRef(`crm-dialog-${Math.random().toString(36).slice(2)}`).current;
  // the latest onClose, whatever render it came from
  const latest = useRef(onClose);
  latest.current = onClose;
  useEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    const onCancel = (e: Event) => {
      e.preventDefault();
      latest.current();
    };
    // closed by the browser itself (a cancel it would not let be prevented): the page forgets it too
    const onClosed = () => latest.current();
    dialog.addEventListener('cancel', onCancel);
    dialog.addEventListener('close', onClosed);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      dialog.removeEventListener('close', onClosed);
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog ref={ref} class={className} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </dialog>
  );
}
