import { describe, expect, it } from 'vitest';
import {
  MAX_PIXELS,
  MIN_PIXELS,
  smallestValidSize,
  upstreamSize,
} from '../../../src/providers/modelark/upstream-size.ts';

describe('upstream size selection', () => {
  it('passes tokens through, except 1K on 4.5', () => {
    expect(upstreamSize('seedream-4-5-251128', { kind: 'auto', tier: '1K' })).toBe('2K');
    expect(upstreamSize('seedream-4-5-251128', { kind: 'auto', tier: '4K' })).toBe('4K');
    expect(upstreamSize('seedream-4-0-250828', { kind: 'auto', tier: '1K' })).toBe('1K');
  });

  it('scales small sizes to the smallest same-aspect size the model takes', () => {
    expect(upstreamSize('seedream-4-0-250828', { kind: 'exact', width: 512, height: 512 })).toBe(
      '960x960',
    );
    expect(upstreamSize('seedream-4-5-251128', { kind: 'exact', width: 1024, height: 1024 })).toBe(
      '1920x1920',
    );
    expect(upstreamSize('seedream-4-5-251128', { kind: 'exact', width: 1500, height: 1500 })).toBe(
      '1920x1920',
    );
    expect(upstreamSize('seedream-4-5-251128', { kind: 'exact', width: 1280, height: 720 })).toBe(
      '2560x1440',
    );
    expect(upstreamSize('seedream-4-0-250828', { kind: 'exact', width: 800, height: 600 })).toBe(
      '1152x864',
    );
    // The doc's examples of valid sizes are untouched.
    expect(upstreamSize('seedream-4-5-251128', { kind: 'exact', width: 3750, height: 1250 })).toBe(
      '3750x1250',
    );
    expect(upstreamSize('seedream-4-0-250828', { kind: 'exact', width: 1600, height: 600 })).toBe(
      '1600x600',
    );
  });

  it('keeps the aspect ratio, the 16-px grid and the pixel floor for any small size', () => {
    for (const min of Object.values(MIN_PIXELS)) {
      for (let w = 64; w <= 1600; w += 37) {
        for (let h = 64; h <= 1600; h += 53) {
          if (w * h >= min || w / h > 16 || h / w > 16) continue;
          const out = smallestValidSize(w, h, min);
          const pixels = out.width * out.height;
          expect(pixels).toBeGreaterThanOrEqual(min);
          expect(pixels).toBeLessThanOrEqual(Math.min(MAX_PIXELS, min * 1.2));
          expect(out.width % 16).toBe(0);
          expect(out.height % 16).toBe(0);
          // Exact when the ratio allows, else the width is off by at most half a grid step.
          expect(Math.abs(out.width - (out.height * w) / h)).toBeLessThanOrEqual(8);
        }
      }
    }
  });

  it('clamps an aspect ratio outside [1/16, 16]', () => {
    const wide = smallestValidSize(2000, 100, MIN_PIXELS['seedream-4-0-250828']);
    expect(wide.width / wide.height).toBeLessThanOrEqual(16);
    expect(wide.width * wide.height).toBeGreaterThanOrEqual(921_600);
    const tall = smallestValidSize(100, 2000, MIN_PIXELS['seedream-4-5-251128']);
    expect(tall.width / tall.height).toBeGreaterThanOrEqual(1 / 16);
    expect(tall.width * tall.height).toBeGreaterThanOrEqual(3_686_400);
  });
});
