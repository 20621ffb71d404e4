import { type Hsl, hslToRgb, mix, type Rgb } from './color.ts';
import type { Rng } from './random.ts';

/** What fills the lower part of a picture. */
export type SceneKind = 'hills' | 'peaks' | 'sea' | 'forest' | 'city' | 'space';

/** Small things scattered over a picture. */
export type Particles = 'none' | 'snow' | 'embers' | 'petals';

/** A colour treatment for blended sources: per-channel gain and offset, then saturation. */
export interface Grade {
  readonly gain: readonly [number, number, number];
  readonly offset: readonly [number, number, number];
  readonly saturation: number;
  /** Drop colour entirely (and raise contrast through gain and offset). */
  readonly monochrome: boolean;
}

/** The concrete colours and moods of one picture. */
export interface Palette {
  /** The prompt themes that shaped it, strongest first; empty when it came from the hash. */
  readonly themes: readonly string[];
  readonly skyTop: Rgb;
  readonly skyBottom: Rgb;
  readonly glow: Rgb;
  readonly far: Rgb;
  readonly near: Rgb;
  readonly accents: readonly Rgb[];
  readonly stars: boolean;
  readonly particles: Particles;
  readonly monochrome: boolean;
  readonly scene: SceneKind;
  readonly grade: Grade;
}

interface Theme {
  readonly name: string;
  readonly words: RegExp;
  readonly scene: SceneKind;
  readonly skyTop: Hsl;
  readonly skyBottom: Hsl;
  readonly glow: Hsl;
  readonly far: Hsl;
  readonly near: Hsl;
  readonly accents: readonly Hsl[];
  readonly stars?: boolean;
  readonly particles?: Particles;
  readonly monochrome?: boolean;
  readonly grade: Omit<Grade, 'monochrome'>;
}

const hsl = (h: number, s: number, l: number): Hsl => ({ h, s, l });

const WARM: Theme['grade'] = { gain: [1.12, 1.0, 0.82], offset: [10, 2, -8], saturation: 1.1 };
const COOL: Theme['grade'] = { gain: [0.88, 1.0, 1.12], offset: [-6, 4, 12], saturation: 1.05 };

/** Prompt words and the look they call for; on equal positions the earlier entry wins. */
const THEMES: readonly Theme[] = [
  {
    name: 'noir',
    words: /\b(noir|black[- ]and[- ]white|monochrome|b&w|gr[ae]yscale)\b/i,
    scene: 'city',
    skyTop: hsl(0, 0, 10),
    skyBottom: hsl(0, 0, 72),
    glow: hsl(0, 0, 97),
    far: hsl(0, 0, 38),
    near: hsl(0, 0, 4),
    accents: [hsl(0, 0, 92), hsl(0, 0, 60)],
    monochrome: true,
    grade: { gain: [1.4, 1.4, 1.4], offset: [-50, -50, -50], saturation: 0 },
  },
  {
    name: 'neon',
    words: /\b(neon|cyberpunk|synthwave|vaporwave|retrowave|blade runner)\b/i,
    scene: 'city',
    skyTop: hsl(250, 60, 6),
    skyBottom: hsl(295, 70, 24),
    glow: hsl(320, 100, 62),
    far: hsl(262, 50, 16),
    near: hsl(245, 45, 5),
    accents: [hsl(320, 100, 60), hsl(185, 100, 50), hsl(280, 100, 66)],
    grade: { gain: [1.1, 0.82, 1.15], offset: [14, -6, 24], saturation: 1.35 },
  },
  {
    name: 'sunset',
    words: /\b(sunsets?|sunrise|dusk|dawn|golden hour|twilight)\b/i,
    scene: 'hills',
    skyTop: hsl(265, 45, 28),
    skyBottom: hsl(28, 95, 62),
    glow: hsl(45, 100, 72),
    far: hsl(305, 30, 38),
    near: hsl(270, 38, 12),
    accents: [hsl(15, 90, 55), hsl(330, 70, 58)],
    grade: WARM,
  },
  {
    name: 'night',
    words: /\b(night|nighttime|midnight|starry|moonlit|moon|stars)\b/i,
    scene: 'hills',
    skyTop: hsl(230, 60, 6),
    skyBottom: hsl(220, 50, 24),
    glow: hsl(210, 40, 90),
    far: hsl(225, 35, 20),
    near: hsl(230, 40, 6),
    accents: [hsl(48, 85, 72), hsl(200, 60, 62)],
    stars: true,
    grade: { gain: [0.8, 0.9, 1.1], offset: [-12, -6, 10], saturation: 0.85 },
  },
  {
    name: 'ocean',
    words:
      /\b(ocean|oceans|seas?|seascape|beach|underwater|coast|coastal|waves?|lake|island|tropical)\b/i,
    scene: 'sea',
    skyTop: hsl(205, 70, 45),
    skyBottom: hsl(190, 60, 84),
    glow: hsl(50, 90, 92),
    far: hsl(200, 55, 42),
    near: hsl(215, 75, 20),
    accents: [hsl(175, 70, 55), hsl(40, 60, 82)],
    grade: COOL,
  },
  {
    name: 'forest',
    words: /\b(forests?|woods|woodland|jungle|trees?|moss|mossy|rainforest|pines?)\b/i,
    scene: 'forest',
    skyTop: hsl(190, 35, 68),
    skyBottom: hsl(85, 35, 84),
    glow: hsl(58, 75, 86),
    far: hsl(135, 25, 46),
    near: hsl(140, 55, 12),
    accents: [hsl(95, 60, 45), hsl(45, 70, 55)],
    grade: { gain: [0.9, 1.1, 0.9], offset: [-6, 8, -4], saturation: 1.05 },
  },
  {
    name: 'desert',
    words: /\b(desert|dunes?|sand|sandy|sahara|canyon|arid)\b/i,
    scene: 'hills',
    skyTop: hsl(25, 45, 66),
    skyBottom: hsl(38, 75, 84),
    glow: hsl(45, 100, 90),
    far: hsl(30, 55, 64),
    near: hsl(22, 62, 38),
    accents: [hsl(15, 65, 50), hsl(40, 80, 66)],
    grade: WARM,
  },
  {
    name: 'winter',
    words: /\b(snow|snowy|winter|ice|icy|frozen|arctic|glaciers?|frost|frosty)\b/i,
    scene: 'peaks',
    skyTop: hsl(210, 45, 70),
    skyBottom: hsl(200, 30, 93),
    glow: hsl(50, 30, 98),
    far: hsl(210, 25, 82),
    near: hsl(215, 30, 58),
    accents: [hsl(195, 60, 72), hsl(0, 0, 100)],
    particles: 'snow',
    grade: { gain: [0.95, 1.0, 1.1], offset: [8, 10, 18], saturation: 0.8 },
  },
  {
    name: 'autumn',
    words: /\b(autumn|fall foliage|maple|harvest|october)\b/i,
    scene: 'forest',
    skyTop: hsl(35, 50, 70),
    skyBottom: hsl(40, 70, 86),
    glow: hsl(45, 100, 78),
    far: hsl(25, 55, 46),
    near: hsl(10, 65, 26),
    accents: [hsl(5, 75, 46), hsl(40, 90, 52)],
    particles: 'petals',
    grade: WARM,
  },
  {
    name: 'spring',
    words: /\b(spring|flowers?|blossoms?|cherry|garden|meadow|blooms?|blooming|tulips?)\b/i,
    scene: 'hills',
    skyTop: hsl(200, 60, 76),
    skyBottom: hsl(330, 60, 90),
    glow: hsl(50, 100, 92),
    far: hsl(110, 40, 64),
    near: hsl(100, 50, 36),
    accents: [hsl(335, 75, 72), hsl(280, 50, 75), hsl(55, 90, 65)],
    particles: 'petals',
    grade: { gain: [1.05, 1.02, 1.0], offset: [10, 6, 8], saturation: 1.1 },
  },
  {
    name: 'fire',
    words: /\b(fire|flames?|lava|volcano|volcanic|inferno|burning|embers?)\b/i,
    scene: 'peaks',
    skyTop: hsl(0, 60, 8),
    skyBottom: hsl(15, 90, 40),
    glow: hsl(40, 100, 60),
    far: hsl(5, 60, 18),
    near: hsl(0, 20, 4),
    accents: [hsl(25, 100, 55), hsl(50, 100, 60)],
    particles: 'embers',
    grade: { gain: [1.2, 0.95, 0.7], offset: [12, -4, -12], saturation: 1.2 },
  },
  {
    name: 'space',
    words: /\b(space|galaxy|galaxies|nebula|cosmos|cosmic|planets?|astronaut|universe)\b/i,
    scene: 'space',
    skyTop: hsl(260, 60, 4),
    skyBottom: hsl(280, 50, 14),
    glow: hsl(300, 70, 66),
    far: hsl(250, 50, 22),
    near: hsl(230, 40, 8),
    accents: [hsl(310, 80, 60), hsl(200, 90, 60), hsl(270, 70, 62)],
    stars: true,
    grade: { gain: [0.95, 0.85, 1.15], offset: [4, -6, 16], saturation: 1.2 },
  },
  {
    name: 'pastel',
    words: /\b(pastel|dreamy|candy|kawaii|whimsical)\b/i,
    scene: 'hills',
    skyTop: hsl(260, 60, 84),
    skyBottom: hsl(340, 70, 90),
    glow: hsl(50, 100, 94),
    far: hsl(180, 45, 82),
    near: hsl(300, 35, 70),
    accents: [hsl(340, 80, 80), hsl(190, 70, 78), hsl(55, 90, 80)],
    grade: { gain: [0.9, 0.9, 0.9], offset: [28, 26, 30], saturation: 0.75 },
  },
  {
    name: 'gold',
    words: /\b(gold|golden|luxury|brass|amber)\b/i,
    scene: 'hills',
    skyTop: hsl(35, 40, 12),
    skyBottom: hsl(40, 70, 36),
    glow: hsl(45, 100, 72),
    far: hsl(35, 60, 30),
    near: hsl(30, 50, 9),
    accents: [hsl(45, 90, 56), hsl(30, 80, 45)],
    grade: { gain: [1.15, 1.02, 0.75], offset: [8, 2, -10], saturation: 1.1 },
  },
];

/** Words that ask for a kind of scenery whatever the colours; the earliest in the prompt wins. */
const SCENE_WORDS: ReadonlyArray<readonly [SceneKind, RegExp]> = [
  ['city', /\b(city|cities|skyline|streets?|downtown|buildings?|metropolis|urban|skyscrapers?)\b/i],
  ['sea', /\b(ocean|seas?|seascape|beach|coast|coastal|waves?|lake|harbou?r)\b/i],
  ['forest', /\b(forests?|woods|woodland|jungle|trees?|rainforest|pines?)\b/i],
  ['peaks', /\b(mountains?|peaks?|alps|summit|cliffs?|volcano|ridge)\b/i],
  ['space', /\b(space|galaxy|nebula|cosmos|planets?|orbit|universe)\b/i],
  ['hills', /\b(hills?|valley|fields?|meadow|dunes?|countryside)\b/i],
];

function firstMatch<T>(prompt: string, table: readonly T[], regexOf: (item: T) => RegExp): T[] {
  const found: { item: T; at: number; order: number }[] = [];
  table.forEach((item, order) => {
    const at = regexOf(item).exec(prompt)?.index;
    if (at !== undefined) found.push({ item, at, order });
  });
  found.sort((a, b) => a.at - b.at || a.order - b.order);
  return found.map((f) => f.item);
}

/**
 * The palette of one picture. `promptRng` depends on the prompt and model only, so that a hash
 * palette stays recognisably the same across a request's images; `imageRng` adds the per-image
 * variation.
 */
export function resolvePalette(prompt: string, promptRng: Rng, imageRng: Rng): Palette {
  const named = firstMatch(prompt, THEMES, (t) => t.words);
  // Black and white is a style rather than a colour: wherever it is named, it wins outright.
  const noir = named.find((t) => t.monochrome === true);
  const themes = noir ? [noir] : named;
  const sceneWord = firstMatch(prompt, SCENE_WORDS, ([, words]) => words)[0]?.[0];
  const primary = themes[0] ?? hashTheme(promptRng);
  const secondary = themes[1];
  const mono = primary.monochrome === true;
  const hueShift = mono ? 0 : imageRng.range(-14, 14);
  const jitter = (c: Hsl): Rgb =>
    hslToRgb({
      h: c.h + hueShift,
      s: mono ? 0 : c.s + imageRng.range(-6, 6),
      l: c.l + imageRng.range(-5, 5),
    });
  const accents = [...primary.accents, ...(secondary ? secondary.accents : [])];
  // A second theme tints the horizon and the light; mixing in RGB avoids hue averages that
  // land on an unrelated colour (cyan and orange would average to green).
  const withSecondary = (own: Hsl, other: Hsl | undefined, weight: number): Rgb =>
    other ? mix(jitter(own), jitter(other), weight) : jitter(own);
  return {
    themes: themes.map((t) => t.name),
    skyTop: jitter(primary.skyTop),
    skyBottom: withSecondary(primary.skyBottom, secondary?.skyBottom, 0.35),
    glow: withSecondary(primary.glow, secondary?.glow, 0.5),
    far: jitter(primary.far),
    near: jitter(primary.near),
    accents: accents.map(jitter),
    stars: primary.stars === true || secondary?.stars === true,
    particles: primary.particles ?? secondary?.particles ?? 'none',
    monochrome: mono,
    scene: sceneWord ?? primary.scene,
    grade: jitterGrade({ ...primary.grade, monochrome: mono }, imageRng),
  };
}

function jitterGrade(grade: Grade, rng: Rng): Grade {
  const g = (v: number): number => v * rng.range(0.97, 1.03);
  const o = (v: number): number => v + rng.range(-3, 3);
  return {
    gain: [g(grade.gain[0]), g(grade.gain[1]), g(grade.gain[2])],
    offset: [o(grade.offset[0]), o(grade.offset[1]), o(grade.offset[2])],
    saturation: grade.saturation,
    monochrome: grade.monochrome,
  };
}

/** A theme for prompts that name none: a colour scheme picked by the prompt's hash. */
function hashTheme(rng: Rng): Theme {
  const h = rng.range(0, 360);
  const partner = h + rng.pick([30, 150, 180, 210, -40]);
  const dark = rng.next() < 0.3;
  return {
    name: 'hash',
    words: /$^/,
    scene: rng.pick(['hills', 'hills', 'peaks', 'sea', 'forest', 'city'] as const),
    skyTop: hsl(h, rng.range(40, 70), dark ? rng.range(6, 16) : rng.range(30, 50)),
    skyBottom: hsl(
      h + rng.range(25, 60),
      rng.range(50, 80),
      dark ? rng.range(25, 40) : rng.range(68, 84),
    ),
    glow: hsl(partner, rng.range(60, 100), rng.range(78, 90)),
    far: hsl(h - 20, rng.range(20, 45), dark ? 22 : rng.range(40, 55)),
    near: hsl(h - 40, rng.range(30, 55), dark ? 6 : rng.range(10, 22)),
    accents: [hsl(partner, 75, 58), hsl(partner + 40, 70, 55)],
    stars: dark,
    grade: {
      gain: [rng.range(0.88, 1.12), rng.range(0.88, 1.12), rng.range(0.88, 1.12)],
      offset: [rng.range(-10, 10), rng.range(-10, 10), rng.range(-10, 10)],
      saturation: rng.range(0.9, 1.25),
    },
  };
}
