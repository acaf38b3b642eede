// The evaluation on the citizen's page: once the dossier's result is returned, after the code
// and phone check, the citizen chooses a level (once per dossier).
"use strict";

window.showEvaluation = async (code, phone, view) => {
  const section = document.getElementById("evaluation");
  const body = document.getElementById("evaluation-body");
  const message = document.getElementById("evaluation-message");
  section.classList.add("hidden");
  message.textContent = "";
  if (view.state !== "returned") return;
  const path = `/api/track/${encodeURIComponent(code)}/evaluation`;
  let found;
  try {
    found = await request(`${path}?phone=${encodeURIComponent(phone)}`);
  } catch (e) { return; }
  if (found.evaluated) {
    const level = found.levels.find((lv) => lv.value === found.level);
    body.replaceChildren(el("p", { class: "notice", id: "evaluated" },
      `Ông/bà đã đánh giá hồ sơ này: ${level ? level.label : found.level}. Trân trọng cảm ơn!`));
  } else if (found.open) {
    body.replaceChildren(evaluationForm(found, async (level, answers) => {
      try {
        await request(path, { method: "POST", body: { phone, level, answers } });
      } catch (e) {
        message.className = "error";
        message.textContent = e.code === "already_evaluated"
          ? "Hồ sơ này đã được đánh giá trước đó; mỗi hồ sơ chỉ được đánh giá một lần." : e.message;
        return;
      }
      body.replaceChildren(el("p", { class: "notice", id: "evaluated" },
        "Trân trọng cảm ơn ông/bà đã đánh giá!"));
    }));
  } else return;
  section.classList.remove("hidden");
};
