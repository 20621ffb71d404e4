import { defineSeedExamplesSuite } from './helpers/seed-examples-suite.ts';

defineSeedExamplesSuite({ label: 'offline provider' });
