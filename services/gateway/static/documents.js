// Console, a dossier's documents as files (issue 20): each part with its digitisation status and
// its files (opened with the officer's token, as a download), scanning a paper part in at the
// receiving counter, re-using what earlier dossiers of the same applicant hold, and the result
// issued as a file by the deciding office. Loaded before console.js, whose helpers (el, api,
// say, explain, me, TOKEN_KEY) it calls at run time.
"use strict";

const DIGITISATION = {
  not_digitised: "Chưa số hoá",
  digitised: "Đã số hoá",
  reused_from_part: "Tái sử dụng từ thành phần hồ sơ trước",
  reused_from_result: "Tái sử dụng từ kết quả trước",
};
const FILE_REFUSED = {
  unsupported_file_type: "Tệp không phải PDF, JPG hoặc PNG (kiểm tra theo nội dung tệp).",
  file_too_large: "Tệp lớn hơn 10 MB.",
  dossier_too_large: "Các tệp của hồ sơ vượt quá 50 MB.",
  pdf_active_content: "Tệp PDF có chứa mã lệnh (JavaScript), không được chấp nhận.",
  image_too_large: "Ảnh có kích thước điểm ảnh quá lớn.",
  result_already_issued: "Kết quả đã được phát hành bản điện tử.",
};
// a dossier filed online waits for the counter's check, or for the citizen: its clock has not
// started (the badge says so, not "waiting for a supplement")
const CHECK_BADGES = {
  submitted_online: "Chờ kiểm tra",
  online_supplement_requested: "Chờ bổ sung trực tuyến",
};
function onlineBadge(status, state) { return status === "paused" ? CHECK_BADGES[state] : undefined; }
const RESULT_STATES = ["in_process", "resolved", "ready_at_counter", "returning_by_post", "returned"];

async function sendFile(path, file) {
  const response = await fetch(path, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ""}`,
      "X-Filename": encodeURIComponent(file.name),
    },
    body: file,
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiFailure(response.status, data);
  return data;
}

// A file is fetched with the token and handed to the browser as a download (never shown inline).
async function openFile(code, ref) {
  const response = await fetch(`/api/dossiers/${encodeURIComponent(code)}/files/${encodeURIComponent(ref.file_id)}`, {
    headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ""}` },
  });
  if (!response.ok) { say(explain(new ApiFailure(response.status, await response.json().catch(() => null)))); return; }
  const url = URL.createObjectURL(await response.blob());
  const link = el("a", { href: url, download: ref.filename || "tai-lieu" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function fileRefused(error) { return FILE_REFUSED[error.code] || explain(error); }

function documentsSection(d) {
  const section = el("section", { class: "card", id: "documents-panel" },
    el("h2", {}, "Thành phần hồ sơ (bản điện tử)"), el("p", { class: "muted" }, "Đang tải…"));
  loadDocuments(d, section);
  return section;
}

async function loadDocuments(d, section) {
  const code = d.code;
  const atCounter = me && me.office_id === d.receiving_office_id && ["receiver", "leader"].includes(me.role);
  const deciding = d.route.length ? d.route[d.route.length - 1].office_id : null;
  const issues = me && me.office_id === deciding && ["handler", "leader"].includes(me.role) && RESULT_STATES.includes(d.state);
  let found; let offers = [];
  try {
    found = await api(`/api/dossiers/${encodeURIComponent(code)}/documents`);
    if (atCounter) offers = (await api(`/api/dossiers/${encodeURIComponent(code)}/reuse-offers`)).offers;
  } catch (error) {
    section.replaceChildren(el("h2", {}, "Thành phần hồ sơ (bản điện tử)"), el("p", { class: "error" }, explain(error)));
    return;
  }
  const failure = el("p", { class: "error", id: "documents-error", role: "alert" });
  const redraw = () => loadDocuments(d, section);
  const rows = found.parts.map((part) => {
    const files = part.files.map((entry, i) => el("button", {
      type: "button", class: "secondary small file-open", "data-file": entry.file.file_id,
      onclick: () => openFile(code, entry.file),
    }, entry.source ? `Mở tệp ${i + 1} (từ hồ sơ ${entry.source.code})` : `Mở tệp ${i + 1}`));
    const actions = [];
    if (atCounter) {
      const input = el("input", { type: "file", id: `scan-${part.document_id}`, accept: ".pdf,.jpg,.jpeg,.png", class: "scan" });
      input.addEventListener("change", async () => {
        failure.textContent = "";
        try {
          await sendFile(`/api/dossiers/${encodeURIComponent(code)}/documents/${encodeURIComponent(part.document_id)}`, input.files[0]);
          say(`Đã số hoá: ${part.name}.`, true);
          redraw();
        } catch (error) { failure.textContent = fileRefused(error); }
      });
      actions.push(el("label", { class: "small", for: input.id }, "Quét / tải lên: "), input);
      const mine = offers.filter((o) => o.document_id === part.document_id || o.document_id === "result");
      if (mine.length && part.status === "not_digitised") {
        actions.push(el("div", { class: "reuse" }, el("span", { class: "small" }, "Đã có ở hồ sơ trước: "),
          ...mine.map((o) => el("button", {
            type: "button", class: "small reuse-button", "data-source": `${o.code}/${o.document_id}`,
            onclick: async () => {
              failure.textContent = "";
              try {
                await api(`/api/dossiers/${encodeURIComponent(code)}/documents/${encodeURIComponent(part.document_id)}/reuse`,
                  { method: "POST", body: { source_code: o.code, source_document_id: o.document_id } });
                say(`Đã dùng lại ${o.name} của hồ sơ ${o.code}: không yêu cầu công dân nộp bản giấy.`, true);
                redraw();
              } catch (error) { failure.textContent = fileRefused(error); }
            },
          }, `Dùng lại ${o.name} (${o.code})`))));
      }
    }
    return el("tr", { "data-part": part.document_id, "data-status": part.status },
      el("td", {}, part.name),
      el("td", {}, el("span", { class: `digitisation digitisation-${part.status}` }, DIGITISATION[part.status] || part.status)),
      el("td", {}, files.length ? files : el("span", { class: "muted" }, "—"), ...actions));
  });
  const result = [];
  if (found.result) {
    result.push(el("p", { id: "result-file" }, "Kết quả bản điện tử: ",
      el("button", { type: "button", class: "secondary small", onclick: () => openFile(code, found.result) }, found.result.filename || "Mở tệp")));
  } else if (issues) {
    const input = el("input", { type: "file", id: "result-upload", accept: ".pdf,.jpg,.jpeg,.png" });
    input.addEventListener("change", async () => {
      failure.textContent = "";
      try {
        await sendFile(`/api/dossiers/${encodeURIComponent(code)}/result`, input.files[0]);
        say("Đã phát hành kết quả bản điện tử; công dân nhận tin nhắn và tải về khi tra cứu.", true);
        redraw();
      } catch (error) { failure.textContent = fileRefused(error); }
    });
    result.push(el("label", { for: "result-upload" }, "Phát hành kết quả bản điện tử (PDF, JPG, PNG)"), input);
  }
  section.replaceChildren(
    el("h2", {}, "Thành phần hồ sơ (bản điện tử)"),
    el("table", { class: "documents" },
      el("thead", {}, el("tr", {}, el("th", {}, "Giấy tờ"), el("th", {}, "Số hoá"), el("th", {}, "Tệp"))),
      el("tbody", {}, rows)),
    ...result, failure);
}

// The receive form: a scan of each paper part may be chosen with it, stored once the dossier has
// its code (routing may take a moment to know the dossier: a 404 is tried again).
function scanInput(doc) {
  return el("input", {
    type: "file", id: `scan-at-receipt-${doc.id}`, "data-scan": doc.id, class: "scan",
    accept: ".pdf,.jpg,.jpeg,.png", "aria-label": `Bản quét: ${doc.name}`,
  });
}

async function scanAtReceipt(code, form) {
  const chosen = [...form.querySelectorAll("input[data-scan]")].filter((i) => i.files.length);
  const refused = [];
  for (const input of chosen) {
    const path = `/api/dossiers/${encodeURIComponent(code)}/documents/${encodeURIComponent(input.dataset.scan)}`;
    for (let attempt = 0; ; attempt += 1) {
      try { await sendFile(path, input.files[0]); break; } catch (error) {
        if (error.status === 404 && attempt < 10) { await new Promise((r) => setTimeout(r, 300)); continue; }
        refused.push(`${input.getAttribute("aria-label")}: ${fileRefused(error)}`);
        break;
      }
    }
  }
  if (!chosen.length) return "";
  const done = chosen.length - refused.length;
  return ` Đã số hoá ${done} giấy tờ.${refused.length ? ` Không lưu được: ${refused.join("; ")}` : ""}`;
}
