import { useEffect, useState } from 'preact/hooks';
import { apiPaths } from '../../../shared/api-paths.ts';
import { type WorkspaceSettings, workspaceView } from '../../../shared/workspace.ts';
import type { AppSession } from '../App.tsx';
import { failureText, type Outcome } from './common.tsx';

/** The workspace's settings as a section reads and changes them (GET and PATCH /api/workspace). */
export function useWorkspaceSettings(session: AppSession) {
  const [settings, setSettings] = useState<WorkspaceSettings | null>(null);
  /** Counts the settings read or saved: a form keyed by it starts again from what the server kept. */
  const [version, setVersion] = useState(0);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    session.client
      .request(apiPaths.workspace(), { method: 'GET', schema: workspaceView })
      .then((ws) => {
        setSettings(ws.settings);
        setVersion((v) => v + 1);
      })
      .catch((err: unknown) => setLoadError(failureText(err)));
  }, []);
  /** Saves a part of the settings; answers the outcome to show. */
  const save = async (patch: WorkspaceSettings, done: string): Promise<Outcome> => {
    try {
      const ws = await session.client.request(apiPaths.workspace(), { method: 'PATCH', body: { settings: patch }, schema: workspaceView });
      setSettings(ws.settings);
      setVersion((v) => v + 1);
      return { kind: 'ok', text: done };
    } catch (err) {
      return { kind: 'error', text: failureText(err) };
    }
  };
  return { settings, version, loadError, save };
}

/** One entry per line (or comma), blanks and duplicates dropped; case is the server's to settle. */
export function listOf(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean))];
}
