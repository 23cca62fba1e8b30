// Starts the app. A file of its own, not an inline script, so the pages' Content Security
// Policy can allow scripts from this origin only.
import init, { mount } from "/pkg/sfbridge_frontend.js";

await init();
mount();
