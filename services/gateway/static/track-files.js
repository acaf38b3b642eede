// Citizen page, files: after the phone is proved by an SMS code, the dossier's parts (download),
// the parts the counter asked for (upload, before acceptance) and the electronic result
// (download). Uses the code typed above; text from the server is set with textContent only.
"use strict";

const FILE_STATUS = {
  not_digitised: "Chưa số hoá",
  digitised: "Đã số hoá",
  reused_from_part: "Dùng lại từ hồ sơ trước",
  reused_from_result: "Dùng lại từ kết quả trước",
};
const FILE_ERRORS = {
  unsupported_file_type: "Tệp không phải PDF, JPG hoặc PNG.",
  file_too_large: "Tệp lớn hơn 10 MB.",
  dossier_too_large: "Cả hồ sơ lớn hơn 50 MB.",
  pdf_active_content: "Tệp PDF có chứa mã lệnh (JavaScript), không được chấp nhận.",
  image_too_large: "Ảnh có kích thước điểm ảnh quá lớn.",
  wrong_code: "Mã xác minh không đúng.",
  code_expired: "Mã xác minh đã hết hạn, vui lòng gửi lại mã.",
  not_found: "Không tìm thấy hồ sơ với mã và số điện thoại này.",
  too_many_codes: "Đã gửi quá nhiều mã, vui lòng thử lại sau.",
};
const files = { verificationId: null };

function fid(id) { return document.getElementById(id); }

async function ask(method, url, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body instanceof Blob) init.body = body;
  else if (body !== undefined) { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
  const response = await fetch(url, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error((data.error && data.error.message) || "lỗi"), { code: data.error && data.error.code });
  return data;
}

function fail(error) { fid("f-message").textContent = FILE_ERRORS[error.code] || error.message; }
function dossierCode() { return fid("code").value.trim().toUpperCase(); }
function proof() { return `verification_id=${encodeURIComponent(files.verificationId)}`; }
function fileUrl(code, f) { return `/api/track/${encodeURIComponent(code)}/files/${encodeURIComponent(f.file_id)}?${proof()}`; }

async function sendFileCode() {
  fid("f-message").textContent = "";
  try {
    const sent = await ask("POST", "/api/verifications", { phone: fid("f-phone").value.trim(), purpose: "online_submission" });
    files.verificationId = sent.verification_id;
    fid("f-sent-to").textContent = sent.to;
    fid("f-code-block").classList.remove("hidden");
  } catch (error) { fail(error); }
}

async function checkFileCode() {
  fid("f-message").textContent = "";
  try {
    await ask("POST", `/api/verifications/${encodeURIComponent(files.verificationId)}`, { code: fid("f-otp").value.trim() });
    fid("f-verify").classList.add("hidden");
    await showFiles();
  } catch (error) { fail(error); }
}

async function upload(code, documentId, input) {
  const file = input.files[0];
  if (!file) return;
  fid("f-message").textContent = "";
  try {
    await ask("POST", `/api/track/${encodeURIComponent(code)}/documents/${encodeURIComponent(documentId)}?${proof()}`,
      file, { "X-Filename": encodeURIComponent(file.name) });
    await showFiles();
    fid("f-notice").textContent = "Đã nộp bổ sung; hồ sơ chờ Bộ phận Một cửa kiểm tra lại.";
  } catch (error) { fail(error); }
}

async function showFiles() {
  const code = dossierCode();
  let seen;
  try { seen = await ask("GET", `/api/track/${encodeURIComponent(code)}/documents?${proof()}`); } catch (error) { fail(error); return; }
  fid("f-result").classList.remove("hidden");
  fid("f-result-file").classList.toggle("hidden", !seen.result);
  if (seen.result) fid("f-result-link").setAttribute("href", fileUrl(code, seen.result));
  fid("f-asked").classList.toggle("hidden", !seen.may_upload);
  fid("f-missing").replaceChildren(...(seen.may_upload ? seen.missing_documents : []).map((name) => el("li", {}, name)));
  fid("f-parts").replaceChildren(...seen.parts.map((p) => {
    const item = el("li", { "data-part": p.document_id },
      el("strong", {}, p.name), ` — ${FILE_STATUS[p.status] || p.status}`,
      ...p.files.map((f, i) => el("span", {}, " · ", el("a", { href: fileUrl(code, f), class: "file-link" }, `tệp ${i + 1}`))));
    if (seen.may_upload) {
      const input = el("input", { type: "file", id: `f-upload-${p.document_id}`, accept: ".pdf,.jpg,.jpeg,.png" });
      input.addEventListener("change", () => upload(code, p.document_id, input));
      item.append(el("div", {}, el("label", { for: input.id, class: "small" }, "Nộp bổ sung tệp: "), input));
    }
    return item;
  }));
}

fid("f-send").addEventListener("click", sendFileCode);
fid("f-check").addEventListener("click", checkFileCode);
