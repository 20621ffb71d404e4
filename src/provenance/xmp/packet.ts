/** IPTC's digital source type vocabulary: what a generated (or generated-and-composited) image is. */
export const DIGITAL_SOURCE_TYPE = {
  generated: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
  composite: 'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia',
} as const;

export type DigitalSourceType = (typeof DIGITAL_SOURCE_TYPE)[keyof typeof DIGITAL_SOURCE_TYPE];

/** What the XMP packet says about one image. */
export interface XmpFacts {
  readonly digitalSourceType: DigitalSourceType;
  /** The AI system that made the image, e.g. `seedream-4-5-251128 (modelark)`. */
  readonly aiSystem: string;
  /** The service that delivered it, e.g. `goodtake 0.1.0`. */
  readonly creatorTool: string;
  readonly createdAt: Date;
}

/** Attribute-safe text: markup characters as references, control characters dropped. */
const escapeXml = (s: string) =>
  s.replace(/\p{Cc}/gu, '').replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * An XMP packet with the IPTC Photo Metadata a generated image needs: the digital source type
 * (IPTC Extension, the property the EU AI Act's machine-readable marking is commonly read
 * from), the AI system used, the tool that created the file and when. Properties are written
 * in the compact attribute form every XMP reader accepts.
 */
export function buildXmpPacket(facts: XmpFacts): Buffer {
  const attrs: Array<[string, string]> = [
    ['Iptc4xmpExt:DigitalSourceType', facts.digitalSourceType],
    ['Iptc4xmpExt:AISystemUsed', facts.aiSystem],
    ['xmp:CreatorTool', facts.creatorTool],
    ['xmp:CreateDate', facts.createdAt.toISOString()],
  ];
  const xml = [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '  <rdf:Description rdf:about=""',
    '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"',
    '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"',
    ...attrs.map(([name, value]) => `    ${name}="${escapeXml(value)}"`),
    '  />',
    ' </rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="r"?>',
  ].join('\n');
  return Buffer.from(xml, 'utf8');
}
