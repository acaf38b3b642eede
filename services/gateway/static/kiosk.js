// The counter's tablet: an officer signed in on the console opens it for the dossier just handed
// over; the citizen chooses a level (and may answer the questions). No personal data is shown:
// the dossier's code only.
"use strict";

const say = (text, kind = "error") => {
  const message = document.getElementById("message");
  message.className = kind;
  message.textContent = text;
};

async function open(code) {
  say("");
  let view;
  try {
    view = await request(`/api/dossiers/${encodeURIComponent(code)}/evaluation`, { officer: true });
  } catch (e) {
    say(e.status === 401 ? "Cán bộ cần đăng nhập ở trang Một cửa trước khi mở trang đánh giá."
      : e.status === 404 ? "Không tìm thấy hồ sơ này." : e.message);
    return;
  }
  if (view.evaluated) { say("Hồ sơ này đã được đánh giá. Trân trọng cảm ơn!", "notice"); return; }
  if (!view.open) { say("Hồ sơ chưa trả kết quả: chưa thể đánh giá."); return; }
  document.getElementById("kiosk-officer").classList.add("hidden");
  document.getElementById("kiosk-dossier").textContent = code;
  document.getElementById("kiosk-form").replaceChildren(evaluationForm(view, async (level, answers) => {
    try {
      await request(`/api/dossiers/${encodeURIComponent(code)}/evaluation`,
        { method: "POST", body: { level, answers }, officer: true });
    } catch (e) {
      say(e.code === "already_evaluated" ? "Hồ sơ này đã được đánh giá trước đó." : e.message);
      return;
    }
    document.getElementById("kiosk-form").replaceChildren(
      el("p", { class: "kiosk-thanks", id: "kiosk-thanks" },
        "Trân trọng cảm ơn ông/bà đã đánh giá!"));
  }));
  document.getElementById("kiosk-citizen").classList.remove("hidden");
}

document.getElementById("kiosk-open").addEventListener("submit", (event) => {
  event.preventDefault();
  open(document.getElementById("kiosk-code").value.trim().toUpperCase());
});
const linked = new URLSearchParams(location.search).get("code");
if (linked) open(linked.slice(0, 40).toUpperCase());
