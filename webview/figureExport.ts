/**
 * Standalone SVG and PNG of the panel's figures. In the panel, colours come
 * from CSS classes bound to theme variables; a saved file has no stylesheet,
 * so each element's computed colours and fonts are written onto a copy.
 */

const STYLE_PROPS = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-dasharray', 'opacity', 'font-family', 'font-size', 'font-weight'] as const;

function inlineStyles(source: Element, copy: Element): void {
  const computed = getComputedStyle(source);
  for (const prop of STYLE_PROPS) {
    const v = computed.getPropertyValue(prop);
    if (v) copy.setAttribute(prop, v);
  }
  copy.removeAttribute('class');
  copy.removeAttribute('tabindex');
  for (let i = 0; i < source.children.length; i++) inlineStyles(source.children[i]!, copy.children[i]!);
}

/**
 * One SVG document stacking the given figures vertically on the editor's
 * background colour. Returns the markup and its size (px).
 */
export function standaloneSvg(figures: readonly SVGSVGElement[]): { svg: string; width: number; height: number } {
  const ns = 'http://www.w3.org/2000/svg';
  const out = document.createElementNS(ns, 'svg');
  out.setAttribute('xmlns', ns);
  let y = 0;
  let width = 0;
  const group = document.createElementNS(ns, 'g');
  for (const fig of figures) {
    const w = Number(fig.getAttribute('width')) || fig.clientWidth;
    const h = Number(fig.getAttribute('height')) || fig.clientHeight;
    const copy = fig.cloneNode(true) as SVGSVGElement;
    inlineStyles(fig, copy);
    copy.setAttribute('x', '0');
    copy.setAttribute('y', String(y));
    group.append(copy);
    y += h + 16;
    width = Math.max(width, w);
  }
  const height = Math.max(0, y - 16);
  const bg = document.createElementNS(ns, 'rect');
  bg.setAttribute('width', String(width));
  bg.setAttribute('height', String(height));
  bg.setAttribute('fill', getComputedStyle(document.body).getPropertyValue('--vscode-editor-background').trim() || getComputedStyle(document.body).backgroundColor);
  out.append(bg, group);
  out.setAttribute('width', String(width));
  out.setAttribute('height', String(height));
  out.setAttribute('viewBox', `0 0 ${width} ${height}`);
  return { svg: new XMLSerializer().serializeToString(out), width, height };
}

/** Rasterises SVG markup through a canvas; resolves to base64 PNG data (no data: prefix). */
export function svgToPngBase64(svg: string, width: number, height: number, scale = 2): Promise<string> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      const ctx = canvas.getContext('2d');
      if (!ctx) return reject(new Error('this webview cannot draw on a canvas'));
      ctx.scale(scale, scale);
      ctx.drawImage(img, 0, 0, width, height);
      resolve(canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, ''));
    };
    img.onerror = () => reject(new Error('the figure could not be rasterised'));
    // A data: URL keeps the canvas untainted (no cross-origin load), and the CSP allows data: images only.
    img.src = `data:image/svg+xml;base64,${utf8ToBase64(svg)}`;
  });
}

/** Base64 of the UTF-8 bytes of a string (btoa alone only takes Latin-1). */
export function utf8ToBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  // Chunks of 32k code units: bounded, and far fewer calls than one per byte.
  // eslint-disable-next-line no-restricted-syntax
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
