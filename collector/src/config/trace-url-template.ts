/**
 * Trace URL templates (`gate.alerts.traceUrlTemplate`, `breakwater gate --trace-url-template`):
 * one rule for the configuration and the CLI. A template without the placeholder would link
 * every example trace to the same page.
 */

/** What a template must hold, replaced by each trace id. */
export const TRACE_ID_PLACEHOLDER = '{traceId}';

/** The problem with `template`, or undefined when it can link traces. */
export function traceUrlTemplateProblem(template: string): string | undefined {
  return template.includes(TRACE_ID_PLACEHOLDER)
    ? undefined
    : `must contain ${TRACE_ID_PLACEHOLDER}, e.g. http://jaeger:16686/trace/${TRACE_ID_PLACEHOLDER}`;
}
