import { z } from 'zod';
import { choosesAmong } from '../form-choice.ts';
import { NativeSloSchema } from './native-schema.ts';
import { OpenSloSliSchema, OpenSloSloSchema } from './openslo-schema.ts';

/**
 * One entry of `slos`: an OpenSLO v1 document (`kind: SLO`, or `kind: SLI` referenced by
 * `indicatorRef`) when it has an `apiVersion`, otherwise the native form. The form is picked
 * first so errors speak about the form the user meant instead of a union of both. The generated
 * JSON Schema, which cannot run that choice, describes an entry as any of the three forms.
 */
export const SloEntrySchema = choosesAmong(z.unknown().transform(parseEntry), [
  NativeSloSchema,
  OpenSloSloSchema,
  OpenSloSliSchema,
]);

/** Parses `entry` with the schema of the form it takes; that schema's issues become the entry's. */
function parseEntry(entry: unknown, ctx: z.RefinementCtx): SloEntry {
  const isObject = typeof entry === 'object' && entry !== null && !Array.isArray(entry);
  const doc = isObject ? (entry as Record<string, unknown>) : undefined;
  let schema: z.ZodType<unknown> = NativeSloSchema;
  if (doc !== undefined && 'apiVersion' in doc) {
    if (doc.kind === 'SLO') schema = OpenSloSloSchema;
    else if (doc.kind === 'SLI') schema = OpenSloSliSchema;
    else {
      ctx.addIssue({ code: 'custom', path: ['kind'], message: 'expected an OpenSLO kind "SLO" or "SLI"' });
      return z.NEVER;
    }
  }
  const parsed = schema.safeParse(entry);
  if (parsed.success) return parsed.data as SloEntry;
  // Passed on as they are (an unknown key keeps its kind, so it is reported at the key itself).
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
  return z.NEVER;
}

export type SloEntry =
  | z.output<typeof NativeSloSchema>
  | z.output<typeof OpenSloSloSchema>
  | z.output<typeof OpenSloSliSchema>;

/** Name of an entry (native `name` or OpenSLO `metadata.name`). */
export function entryName(entry: SloEntry): string {
  return 'metadata' in entry ? entry.metadata.name : entry.name;
}

/** `slos`: every entry parsed, then checked together (unique names, resolvable references). */
export const SloListSchema = z.array(SloEntrySchema).superRefine((entries, ctx) => {
  const slos = new Map<string, number>();
  const slis = new Set<string>();
  entries.forEach((entry, i) => {
    if ('kind' in entry && entry.kind === 'SLI') {
      if (slis.has(entry.metadata.name)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'metadata', 'name'],
          message: `SLI "${entry.metadata.name}" is defined twice`,
        });
      }
      slis.add(entry.metadata.name);
      return;
    }
    const name = entryName(entry);
    const first = slos.get(name);
    if (first !== undefined) {
      const path = 'metadata' in entry ? [i, 'metadata', 'name'] : [i, 'name'];
      ctx.addIssue({ code: 'custom', path, message: `SLO "${name}" is already defined at slos[${first}]` });
    } else slos.set(name, i);
  });
  entries.forEach((entry, i) => {
    if (!('kind' in entry) || entry.kind !== 'SLO') return;
    const refs: [string | undefined, (string | number)[]][] = [
      [entry.spec.indicatorRef, [i, 'spec', 'indicatorRef']],
      [entry.spec.objectives[0]?.indicatorRef, [i, 'spec', 'objectives', 0, 'indicatorRef']],
    ];
    for (const [ref, path] of refs) {
      if (ref !== undefined && !slis.has(ref)) {
        ctx.addIssue({ code: 'custom', path, message: `no kind: SLI document named "${ref}" in slos` });
      }
    }
  });
});
