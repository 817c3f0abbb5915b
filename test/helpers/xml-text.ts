/** The text of the first `<name>` element of an XML document, entities decoded (for raw tests). */
export function elementText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  if (!match) return undefined;
  return match[1]!
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))).replace(/&amp;/g, '&');
}

/** The `<Message>` of an S3 error document. */
export function messageOf(xml: string): string | undefined {
  return elementText(xml, 'Message');
}
