import type { NormalizedImage } from '../images/normalize.ts';
import type { Logger } from '../log.ts';
import type { SourceImage } from '../providers/provider.ts';
import { mayCarryContentCredentials } from './c2pa/ingredients.ts';
import type { C2paSigner, CredentialedInput } from './c2pa/signer.ts';
import type { ProvenanceParts } from './settings.ts';
import { embedXmp } from './xmp/embed.ts';
import { buildXmpPacket, DIGITAL_SOURCE_TYPE } from './xmp/packet.ts';

/** What an image carries, as recorded with it. */
export interface ImageProvenance {
  /** IPTC metadata in XMP. */
  readonly xmp: boolean;
  /** A signed C2PA manifest (Content Credentials). */
  readonly c2pa: boolean;
  /** The IPTC digital source type both declare; undefined when neither is embedded. */
  readonly digitalSourceType: string | undefined;
}

export interface MarkedImage extends NormalizedImage {
  readonly provenance: ImageProvenance;
}

/** One image's context: who made it, from what. */
export interface MarkContext {
  readonly model: string;
  readonly provider: string;
  /** Blend-mode inputs (empty for text-to-image). */
  readonly sources: readonly SourceImage[];
  readonly createdAt: Date;
  /** The file name clients see (the C2PA manifest's title). */
  readonly title: string;
}

export type MarkOutcome =
  | { readonly ok: true; readonly image: MarkedImage }
  | { readonly ok: false; readonly reason: string };

export interface Provenance {
  readonly parts: ProvenanceParts;
  /**
   * The image with its provenance embedded (XMP first, then the C2PA manifest that binds every
   * byte, XMP included), or why it could not be marked: an image the operator asked to mark is
   * never delivered unmarked.
   */
  mark(image: NormalizedImage, context: MarkContext): Promise<MarkOutcome>;
}

const NO_PROVENANCE: ImageProvenance = { xmp: false, c2pa: false, digitalSourceType: undefined };

/** The pipeline step between normalisation and storage that makes images say what they are. */
export function createProvenance(deps: {
  parts: ProvenanceParts;
  /** Required when `parts.c2pa` is on. */
  signer?: C2paSigner | undefined;
  /** goodtake's version, named as the creating tool. */
  version: string;
  log: Logger;
}): Provenance {
  const { parts, signer, version, log } = deps;
  if (parts.c2pa && !signer) throw new Error('C2PA is on but no signer was given');

  return {
    parts,
    async mark(image, context) {
      if (!parts.xmp && !parts.c2pa)
        return { ok: true, image: { ...image, provenance: NO_PROVENANCE } };
      const digitalSourceType =
        context.sources.length > 0 ? DIGITAL_SOURCE_TYPE.composite : DIGITAL_SOURCE_TYPE.generated;
      let { bytes, format, contentType, ext } = image;
      if (parts.xmp) {
        const packet = buildXmpPacket({
          digitalSourceType,
          aiSystem: `${context.model} (${context.provider})`,
          creatorTool: `goodtake ${version}`,
          createdAt: context.createdAt,
        });
        const embedded = embedXmp(format, bytes, packet);
        if (embedded.ok) {
          bytes = embedded.bytes;
        } else {
          // The container could not be walked although the image decodes: re-encode it once,
          // with the packet, rather than deliver it unmarked.
          log.warn(
            { reason: embedded.reason, format },
            'XMP not spliced in; re-encoding the image',
          );
          const { default: sharp } = await import('sharp');
          try {
            bytes = await sharp(bytes)
              .withXmp(packet.toString('utf8'))
              .jpeg({ quality: 92 })
              .toBuffer();
          } catch (err) {
            return { ok: false, reason: `XMP could not be embedded: ${(err as Error).message}` };
          }
          format = 'jpeg';
          contentType = 'image/jpeg';
          ext = 'jpg';
        }
      }
      if (signer) {
        const ingredients: CredentialedInput[] = context.sources.flatMap((s, i) =>
          mayCarryContentCredentials(s.bytes)
            ? [{ title: `image_urls[${i}]`, format: s.format, bytes: s.bytes }]
            : [],
        );
        try {
          const signed = await signer.sign({
            bytes,
            format,
            ingredients,
            facts: {
              digitalSourceType,
              model: context.model,
              provider: context.provider,
              version,
              createdAt: context.createdAt,
              title: context.title,
            },
          });
          bytes = Buffer.from(signed.buffer, signed.byteOffset, signed.byteLength);
        } catch (err) {
          return { ok: false, reason: `C2PA signing failed: ${String(err)}` };
        }
      }
      return {
        ok: true,
        image: {
          ...image,
          bytes,
          format,
          contentType,
          ext,
          provenance: { xmp: parts.xmp, c2pa: parts.c2pa, digitalSourceType },
        },
      };
    },
  };
}
