/**
 * Human-readable numbers shared by the CLI, the extension and the panel, so
 * that one model shows the same figures everywhere.
 */

/** Units energy can be shown in. `gCO2` uses a carbon intensity (gCO2 per kWh). */
export type EnergyUnit = 'J' | 'mJ' | 'Wh' | 'gCO2';

/** Joules per watt-hour. */
export const JOULES_PER_WH = 3600;

/**
 * Converts joules to the unit.
 * @param joules energy (joules)
 * @param carbonIntensity grams of CO2 per kWh, used for `gCO2`
 */
export function convertEnergy(joules: number, unit: EnergyUnit, carbonIntensity = 400): number {
  switch (unit) {
    case 'J':
      return joules;
    case 'mJ':
      return joules * 1e3;
    case 'Wh':
      return joules / JOULES_PER_WH;
    case 'gCO2':
      return (joules / JOULES_PER_WH / 1000) * carbonIntensity;
  }
}

/** Three significant digits, without exponent notation for everyday magnitudes. */
export function formatSignificant(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) return value.toExponential(digits - 1);
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return value.toFixed(decimals);
}

/** `2.23 J`, `412 mJ`, `6.19e-4 Wh`, `0.000248 gCO2`. */
export function formatEnergy(joules: number, unit: EnergyUnit = 'J', carbonIntensity?: number): string {
  return `${formatSignificant(convertEnergy(joules, unit, carbonIntensity))} ${unit}`;
}

/** Picks J or mJ so the number reads naturally (for places without a unit setting). */
export function formatEnergyAuto(joules: number): string {
  return Math.abs(joules) < 0.1 && joules !== 0 ? formatEnergy(joules, 'mJ') : formatEnergy(joules, 'J');
}

/** `38.2 %` from a 0..1 fraction. */
export function formatShare(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction >= 0.1 ? 1 : 2)} %`;
}

/** `369 GFLOPs` (FLOPs with an SI prefix). */
export function formatFlops(flops: number): string {
  return `${formatSi(flops)}FLOPs`;
}

/** `2.62 GiB` (bytes with a binary prefix). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? String(Math.round(v)) : formatSignificant(v)} ${units[i]}`;
}

/** `110M` parameters. */
export function formatCount(n: number): string {
  return formatSi(n).trim();
}

/** SI scales and their prefixes, largest first. */
const SI_SCALES = [1e15, 1e12, 1e9, 1e6, 1e3];
const SI_PREFIXES = ['P', 'T', 'G', 'M', 'k'];

function formatSi(value: number): string {
  // Runs for every row of a table (10k on a big graph): nothing allocated but the result.
  const size = Math.abs(value);
  for (let i = 0; i < SI_SCALES.length; i++) {
    if (size >= SI_SCALES[i]!) return `${formatSignificant(value / SI_SCALES[i]!)} ${SI_PREFIXES[i]!}`;
  }
  return `${formatSignificant(value)} `;
}
