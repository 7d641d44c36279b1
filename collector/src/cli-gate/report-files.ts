import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type IncidentReport, renderIncidentMarkdown } from '../act/gate/report.ts';

/** Paths written by {@link writeIncidentReport}. */
export interface ReportFiles {
  markdown: string;
  json: string;
}

/**
 * Writes `gate-<service>-<version>-<time>.md` and `.json` into `dir` (created if needed). The
 * time keeps reports of successive runs apart; names are reduced to file-safe characters.
 */
export async function writeIncidentReport(
  dir: string,
  report: IncidentReport,
  nowMs: number,
): Promise<ReportFiles> {
  await mkdir(dir, { recursive: true });
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const base = `gate-${safe(report.service)}-${safe(report.version)}-${stamp}`;
  const files = { markdown: join(dir, `${base}.md`), json: join(dir, `${base}.json`) };
  await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(files.markdown, renderIncidentMarkdown(report));
  return files;
}

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80) || '_';
}
