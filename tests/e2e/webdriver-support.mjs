// Shared by the desk and LAN window tests. Screens grow while their parts load, and
// WebKitWebDriver clicks where an element was, without saying when something else was there by
// then. So a click waits until the element has stopped moving and is the thing at its own
// centre.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function clickWhenSettled(driver, el) {
  await driver.executeScript('arguments[0].scrollIntoView({ block: "center", inline: "nearest" });', el);
  const probe = () =>
    driver.executeScript(
      `const el = arguments[0], r = el.getBoundingClientRect();
       const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
       return [r.x, r.y, r.width, r.height, !!hit && el.contains(hit)].join();`,
      el,
    );
  let before = await probe();
  for (let i = 0; i < 40; i++) {
    await sleep(150);
    const now = await probe();
    if (now === before && now.endsWith('true')) break;
    before = now;
  }
  await el.click();
}
