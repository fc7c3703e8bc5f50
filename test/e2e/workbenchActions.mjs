// Editor gestures shared by the e2e tests of rewrites, hovers and the status bar (the same
// gestures as in extension.e2e.mjs): go to a line, choose a quick fix, hover a squiggle, read the
// Critic status bar item. No side effects at import.
import { sleep, screenshot } from './codeServer.mjs';

/** Puts the caret on a 1-based line with Go to Line (Ctrl+G). */
export async function goToLine(page, line, column = 1) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

/** The titles of the quick-fix menu at the caret (Ctrl+.), once `title` is among them; the menu stays open. */
export async function openQuickFixes(page, title) {
  const rows = page.locator('.action-widget .monaco-list-row.action');
  const item = rows.filter({ hasText: title }).first();
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.keyboard.press('Control+.');
    try {
      await item.waitFor({ state: 'visible', timeout: 8_000 });
      return rows.locator('.title').allInnerTexts();
    } catch (e) {
      await page.keyboard.press('Escape');
      if (attempt === 2) throw new Error(`quick fix "${title}" did not appear: ${e.message}`);
      await sleep(1_000);
    }
  }
  return [];
}

/** Opens the quick-fix menu and chooses the action whose title starts with `title` (keyboard, like a user). */
export async function quickFix(page, title, { shot } = {}) {
  const titles = await openQuickFixes(page, title);
  if (shot) await screenshot(page, shot);
  const index = titles.findIndex((t) => t.startsWith(title));
  for (let i = 0; i < index; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.locator('.action-widget').waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
  return titles;
}

/**
 * Hovers the error squiggle of the visible line with `lineText` until a hover containing `text`
 * shows (a user moves the mouse again when the first move did not open it); returns the hover.
 */
export async function hoverUntil(page, lineText, text, { attempts = 4, timeoutMs = 5_000 } = {}) {
  const hover = page.locator('.monaco-hover', { hasText: text }).first();
  for (let i = 0; i < attempts; i++) {
    await page.mouse.move(5, 300);
    await hoverSquiggleOnLine(page, lineText);
    try {
      await hover.waitFor({ state: 'visible', timeout: timeoutMs });
      return hover;
    } catch (e) {
      if (i === attempts - 1) throw new Error(`no hover with "${text}" on the line with "${lineText}": ${e.message}`);
    }
  }
  return hover;
}

/** Moves the mouse onto the error squiggle of the visible line that contains `lineText`. */
export async function hoverSquiggleOnLine(page, lineText) {
  const line = page.locator('.view-lines .view-line', { hasText: lineText }).first();
  await line.waitFor({ state: 'visible', timeout: 10_000 });
  const lineBox = await line.boundingBox();
  const squiggles = page.locator('.view-overlays .squiggly-error');
  for (let i = 0; i < await squiggles.count(); i++) {
    const b = await squiggles.nth(i).boundingBox();
    if (b && b.y < lineBox.y + lineBox.height && lineBox.y < b.y + b.height) {
      await page.mouse.move(b.x + Math.min(b.width / 2, 40), lineBox.y + lineBox.height / 2, { steps: 4 });
      return;
    }
  }
  throw new Error(`no error squiggle on the line with "${lineText}"`);
}

/** The Critic item of the status bar (its text starts with "Critic:"). */
export function criticStatusItem(page) {
  return page.locator('.part.statusbar .statusbar-item', { hasText: /Critic:/ }).first();
}

/** Waits until the Critic status bar item's text matches `re`; returns the text. */
export async function waitForStatus(page, re, { timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = (await criticStatusItem(page).innerText().catch(() => '')).trim();
    if (re.test(text)) return text;
    await sleep(100);
  }
  throw new Error(`the Critic status bar item never matched ${re} (last: "${text}")`);
}
