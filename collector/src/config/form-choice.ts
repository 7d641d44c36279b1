import type { z } from 'zod';

/**
 * Schemas that pick their form in code (`z.unknown()` parsed on by the schema the value's shape
 * calls for, so errors speak about the form the user meant instead of a union of all), and the
 * forms they pick from. The JSON Schema generator sees only `unknown` there; json-schema.ts asks
 * {@link chosenForms} to describe such a schema as any of its forms instead.
 */
const formsBySchema = new WeakMap<z.core.$ZodType, readonly z.core.$ZodType[]>();

/**
 * Records that `schema` accepts one of `forms`, chosen in its own code. Only the generated JSON
 * Schema reads this: parsing (and its error messages) stays with `schema`. Returns `schema`.
 */
export function choosesAmong<T extends z.core.$ZodType>(schema: T, forms: readonly z.core.$ZodType[]): T {
  formsBySchema.set(schema, forms);
  return schema;
}

/** The forms `schema` picks from in code, as given to {@link choosesAmong}; undefined for any other schema. */
export function chosenForms(schema: z.core.$ZodType): readonly z.core.$ZodType[] | undefined {
  return formsBySchema.get(schema);
}
