// The one element builder every page uses (console, tracking, online filing, kiosk, feedback,
// the leaders' page): el("td", {class: "x", onclick: f}, "text", child). Attributes are set as
// attributes (never as HTML), on… keys become listeners, null/undefined/false leave an
// attribute out, and every child that is not a node goes in as text: nothing a user or the API
// wrote is ever parsed as markup.
"use strict";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}
