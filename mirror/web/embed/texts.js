// Every text of the customer's widget. texts.json ships English, German, French and Spanish: the
// tag's data-lang picks one (English otherwise); the server's [texts], put into this script as it
// is served, and the tag's data-text-* attributes override any text of it.
import TRANSLATIONS from "./texts.json";

// The server replaces this literal with its [texts], as JSON text (mirror/server/pages.py).
const SERVER_TEXTS = "__COBROWSE_SERVER_TEXTS__";

function configured() {
  try {
    const texts = JSON.parse(SERVER_TEXTS);
    return texts && typeof texts === "object" ? texts : {};
  } catch {
    return {}; // Served without the server's texts (a copy of the bundle): ours alone.
  }
}

/** Only the known keys' strings of `texts`: nothing else reaches the widget. */
function known(texts) {
  const kept = {};
  for (const key of Object.keys(TRANSLATIONS.en)) {
    if (texts && typeof texts[key] === "string" && texts[key]) kept[key] = texts[key];
  }
  return kept;
}

/** The language `lang` names ("de", "de-AT", "FR"), if one is shipped; else English. */
export function language(lang) {
  const code = String(lang || "").slice(0, 2).toLowerCase();
  return Object.hasOwn(TRANSLATIONS, code) ? code : "en";
}

/** The widget's texts for the script tag's data-* attributes (its `dataset`). */
export function widgetTexts(dataset = {}) {
  const lang = language(dataset.lang);
  const server = configured();
  const fromTag = {};
  for (const key of Object.keys(TRANSLATIONS.en)) {
    fromTag[key] = dataset[`text${key[0].toUpperCase()}${key.slice(1)}`];
  }
  if (dataset.label) fromTag.cobrowse = dataset.label;
  return {
    lang,
    ...TRANSLATIONS.en,
    ...TRANSLATIONS[lang],
    ...known(server),
    ...known(server[lang]),
    ...known(fromTag),
  };
}

/** "The field ... is hidden" or "3 fields ... are hidden", in the widget's language. */
export function legend(texts, count) {
  return (count === 1 ? texts.legendOne : texts.legendMany).replace("{n}", String(count));
}
