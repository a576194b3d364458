/**
 * The panel's HTML shell. Pure (no vscode) so its Content-Security-Policy can
 * be unit-tested: nothing loads except our own script (by nonce) and our own
 * stylesheet, fonts and images (by the webview's resource origin); `data:`
 * images are allowed only so the PNG export can rasterise the SVG it built.
 */

/** What the shell needs from the webview. */
export interface PanelHtmlInput {
  /** `webview.cspSource`. */
  cspSource: string;
  /** `webview.asWebviewUri(dist/webview.js)` as a string. */
  scriptUri: string;
  /** `webview.asWebviewUri(dist/webview.css)` as a string. */
  styleUri: string;
  /** A fresh random nonce per render (letters and digits). */
  nonce: string;
}

const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The Content-Security-Policy of the panel. */
export function panelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // The toolkit tests :focus-visible with a <style> element carrying the page's csp-nonce.
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

/** The HTML document of the panel. */
export function renderPanelHtml(input: PanelHtmlInput): string {
  if (!/^[A-Za-z0-9]{16,}$/.test(input.nonce)) throw new Error('the panel nonce must be at least 16 letters or digits');
  const csp = panelCsp(input.cspSource, input.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta property="csp-nonce" content="${input.nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(input.styleUri)}">
<title>IrEne Energy</title>
</head>
<body>
<main id="app" data-testid="energy-panel"></main>
<script nonce="${input.nonce}" src="${attr(input.scriptUri)}"></script>
</body>
</html>`;
}
