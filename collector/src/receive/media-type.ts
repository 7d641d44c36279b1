/** The media type of a `Content-Type` header: lowercased, without parameters (`; charset=…`). */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]!.trim().toLowerCase();
}
