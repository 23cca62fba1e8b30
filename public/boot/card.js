// Starts the card bundle. A file of its own, not an inline script, so the pages' Content
// Security Policy can allow scripts from this origin only.
import init from "/pkg/card.js";

await init();
