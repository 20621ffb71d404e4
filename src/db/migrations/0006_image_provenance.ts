import type { Kysely } from 'kysely';

// What each stored image carries about its making: the embedded provenance parts ('xmp',
// 'c2pa', comma-separated; empty for images stored before provenance existed or with it off)
// and the IPTC digital source type they declare.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('images')
    .addColumn('provenance', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.alterTable('images').addColumn('digital_source_type', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('images').dropColumn('digital_source_type').execute();
  await db.schema.alterTable('images').dropColumn('provenance').execute();
}
