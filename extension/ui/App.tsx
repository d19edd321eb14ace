import { useEffect, useState } from 'preact/hooks';
import type { ThreadSession } from './session.ts';
import { Sidebar } from './Sidebar.tsx';
import { useTexts } from './use-texts.ts';

/** The sidebar bound to a thread session: re-renders on every change of its state, and of the rep's language. */
export function App({ session }: { session: ThreadSession }) {
  useTexts();
  const [state, setState] = useState(session.getState());
  useEffect(() => session.subscribe(setState), [session]);
  return <Sidebar state={state} submit={(op) => void session.submit(op)} dismiss={(id) => void session.dismiss(id)} retry={(id) => void session.retry(id)} toggle={session.toggle} search={session.search} stageStarts={session.stageStarts} pairLabels={session.pairLabels} />;
}
