/** Where start-up problems go when the app gives no `logger`. */
export const defaultLogger = (message: string): void => console.warn(`[breakwater] ${message}`);
