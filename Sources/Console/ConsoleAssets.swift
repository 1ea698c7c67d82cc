import FacegateCore
import Logging

/// The console's stylesheet and script, served by the console itself (no CDN, no
/// font from elsewhere: it works on a LAN with no internet).
enum ConsoleAssets {
    static let css = """
        :root { --fg: #1b1f24; --muted: #5c6670; --line: #d6dbe0; --accent: #0b63c5; --ok: #1a7f37; --bad: #b42318; --alert: #b54708; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.45 system-ui, sans-serif; color: var(--fg); background: #f6f7f9; }
        header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; background: #fff; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
        .brand { font-size: 1.15rem; }
        nav a { margin-right: 1rem; color: var(--accent); text-decoration: none; }
        nav a[aria-current] { font-weight: 600; border-bottom: 2px solid var(--accent); }
        .signout { margin-left: auto; display: flex; gap: .5rem; align-items: center; color: var(--muted); }
        main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem; display: grid; gap: .8rem; max-width: 720px; }
        label { display: grid; gap: .25rem; }
        label.check { display: flex; gap: .5rem; align-items: flex-start; }
        input, button { font: inherit; padding: .45rem .6rem; }
        button { background: var(--accent); color: #fff; border: 0; border-radius: 6px; cursor: pointer; justify-self: start; }
        button[type=button] { background: #fff; color: var(--accent); border: 1px solid var(--accent); }
        .card > p { margin: 0; }
        label.filter { max-width: 24rem; margin-bottom: .8rem; }
        .danger button { background: var(--bad); }
        .error { color: var(--bad); font-weight: 600; }
        .ok { color: var(--ok); }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); }
        .notice { border-left: 4px solid var(--line); padding-left: 1rem; max-height: 22rem; overflow: auto; }
        .result { display: grid; gap: .6rem; margin: 1rem 0; }
        .result canvas { max-width: 100%; max-height: 75vh; width: auto; height: auto; justify-self: start; border: 1px solid var(--line); }
        .result p { margin: 0; }
        .faces { display: grid; gap: 2px; }
        .face { padding: .4rem .6rem; background: #fff; border-left: 4px solid var(--muted); }
        .face.member { border-color: var(--ok); }
        .face.alert { border-color: var(--alert); }
        video { max-width: 320px; border: 1px solid var(--line); }
        pre { white-space: pre-wrap; background: #fff; padding: .6rem; border: 1px solid var(--line); }
        /* Door: the live door view */
        .door-state p { margin: .2rem 0; }
        .muted { color: var(--muted); }
        .door-rule { max-width: 60rem; }
        #camera-health[data-camera=up] { color: var(--ok); }
        #camera-health[data-camera=down] { color: var(--bad); font-weight: 600; }
        #panel-link[data-panel=up] { color: var(--ok); }
        #panel-link[data-panel=down] { color: var(--bad); font-weight: 600; }
        #door-alerts { display: grid; gap: .8rem; margin: 1rem 0; }
        .alert-card { background: #fff; border: 2px solid var(--alert); border-radius: 8px; padding: 1rem; max-width: 720px; }
        .alert-card h3 { margin: 0 0 .4rem; color: var(--alert); }
        .alert-card p { margin: .3rem 0; }
        .alert-card form { display: grid; gap: .6rem; }
        .alert-card fieldset { display: flex; gap: 1.5rem; border: 0; padding: 0; margin: 0; }
        .alert-card .countdown { font-weight: 600; }
        .alert-card[data-state=expired] { border-color: var(--muted); opacity: .8; }
        .alert-card[data-state=expired] h3, .alert-card[data-state=expired] .countdown { color: var(--muted); }
        .alert-card[data-state=confirmed] { border-color: var(--ok); }
        #door-stream[data-state=live] { color: var(--ok); }
        #door-stream[data-state=closed], #door-stream[data-state=reconnecting] { color: var(--bad); }
        #door-events tr.member td:nth-child(2) { color: var(--ok); font-weight: 600; }
        #door-events tr.alert td:nth-child(2) { color: var(--alert); font-weight: 600; }
        /* Deny-list workflow (issue 16) */
        .state { padding: .6rem .8rem; border-left: 4px solid var(--muted); background: #fff; }
        .state.on { border-color: var(--alert); }
        .pending { padding: .4rem .8rem; border-left: 4px solid var(--alert); background: #fff; }
        .entry { margin: .8rem 0; }
        .review { padding: .4rem .8rem; border-left: 4px solid var(--alert); background: #fff8e6; }
        .review p, .review ul { margin: .2rem 0; }
        .entry h3 { margin: 0; }
        .decision { display: flex; gap: .6rem; align-items: end; flex-wrap: wrap; }
        .decision label { flex: 1 1 18rem; }
        button.reject { background: var(--bad); }
        .tag { font-size: .8rem; padding: .1rem .4rem; border-radius: 4px; background: var(--line); }
        form.inline { display: flex; gap: .4rem; }
        select { font: inherit; padding: .4rem; }
        /* Statistics (issue 16) */
        .periods a { margin-right: .6rem; color: var(--accent); }
        .periods a[aria-current] { font-weight: 600; }
        .chart-box { margin: .5rem 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .5rem; max-width: 760px; }
        .chart { width: 100%; height: auto; display: block; }
        .chart text { font-size: 11px; fill: var(--muted); }
        .chart .axis line { stroke: var(--muted); stroke-width: 1; }
        .chart .series-0 { fill: var(--ok); }
        .chart .series-1 { fill: #8c959f; }
        .chart .series-2 { fill: var(--alert); }
        .chart .bar:hover { opacity: .75; }
        #hours-chart .series-0 { fill: var(--accent); }
        .rule { font-style: italic; }
        /* Monitoring: the health page's charts (LineChart's SVG classes) and warnings. */
        .chart-card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .6rem 1rem; margin: 0 0 1rem; max-width: 720px; }
        .chart-card.outside { border-color: var(--bad); }
        .chart-card h3 { margin: .2rem 0; font-size: 1rem; }
        .chart { width: 100%; height: auto; display: block; }
        .chart-band { fill: #0b63c5; fill-opacity: .12; }
        .chart-grid { stroke: var(--line); stroke-width: 1; }
        .chart-label { fill: var(--muted); font-size: 11px; }
        .chart-line { fill: none; stroke: var(--accent); stroke-width: 2; }
        .chart-point { fill: var(--accent); }
        .chart-point.chart-latest { fill: var(--fg); }
        .chart-card.outside .chart-latest { fill: var(--bad); }
        .drift-warning { border-left: 4px solid var(--bad); padding: .4rem .6rem; background: #fff; }
        """

    static let script = #"""
        "use strict";
        // facegate console: draws identify results, takes camera photos for enrolment,
        // filters the member list. No photo leaves the page but to this console.
        const csrf = () => (document.querySelector('meta[name="csrf"]') || {}).content || "";
        const colours = { member: "#1a7f37", alert: "#b54708", unknown: "#5c6670" };

        function el(tag, attrs, text) {
          const node = document.createElement(tag);
          for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
          if (text !== undefined) node.textContent = text;
          return node;
        }

        function describe(face) {
          if (face.decision === "member" && face.name) {
            const parts = [face.name];
            if (face.purposes) parts.push("purposes: " + face.purposes.join(", "));
            if (face.consent_expires_at) parts.push("consent until " + face.consent_expires_at.slice(0, 10));
            if (face.recent_visits && face.recent_visits.length) parts.push("last visits: " + face.recent_visits.map(v => v.slice(0, 10)).join(", "));
            if (face.incidents !== undefined) parts.push("incidents: " + face.incidents);
            if (face.deny_listed) parts.push("DENY-LIST ENTRY IN FORCE: a person decides");
            return parts.join(" · ");
          }
          if (face.decision === "member") return "member";
          if (face.decision === "alert") return "alert: a person must decide";
          return "not a member";
        }

        async function identifyOne(file, results) {
          const body = new FormData();
          body.append("image", file, "photo");
          const response = await fetch("/api/v1/identify", { method: "POST", body, headers: { "X-CSRF-Token": csrf() }, credentials: "same-origin" });
          const answer = await response.json();
          const block = el("section", { class: "result" });
          results.appendChild(block);
          if (!response.ok || answer.error) {
            block.appendChild(el("p", { class: "error" }, (answer.error && answer.error.message) || ("HTTP " + response.status)));
            return;
          }
          const url = URL.createObjectURL(file);
          const image = new Image();
          await new Promise((resolve, reject) => { image.onload = resolve; image.onerror = reject; image.src = url; });
          const canvas = el("canvas", { "data-faces": String(answer.faces.length) });
          canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
          // On the page first: the labels are sized for the picture as shown (a tall
          // photo is shrunk to the window), about 16 px on the screen whatever its size.
          block.appendChild(canvas);
          const scale = Math.max(1, canvas.width / (canvas.clientWidth || canvas.width));
          const g = canvas.getContext("2d");
          g.drawImage(image, 0, 0);
          URL.revokeObjectURL(url);
          const stroke = Math.max(2, Math.round(2 * scale));
          g.font = Math.round(16 * scale) + "px system-ui, sans-serif";
          const list = el("div", { class: "faces" });
          answer.faces.forEach((face, i) => {
            const b = face.box, colour = colours[face.decision] || colours.unknown;
            g.lineWidth = stroke; g.strokeStyle = colour;
            g.strokeRect(b.left, b.top, b.right - b.left, b.bottom - b.top);
            const label = (i + 1) + " " + (face.name || (face.decision === "member" ? "member" : face.decision === "alert" ? "alert" : "not a member"));
            // The label sits above the box, kept inside the picture at its edges.
            const h = Math.round(22 * scale), w = g.measureText(label).width + 8 * scale;
            const x = Math.max(0, Math.min(b.left, canvas.width - w)), y = Math.max(0, b.top - h);
            g.fillStyle = colour; g.fillRect(x, y, w, h);
            g.fillStyle = "#fff"; g.fillText(label, x + 4 * scale, y + h - 6 * scale);
            list.appendChild(el("div", { class: "face " + face.decision, "data-decision": face.decision }, (i + 1) + ". " + describe(face)));
          });
          block.appendChild(el("p", {}, answer.faces.length + " face(s)"));
          block.appendChild(list);
        }

        function setUpIdentify() {
          const form = document.getElementById("identify-form");
          if (!form) return;
          form.addEventListener("submit", async (event) => {
            event.preventDefault();
            const files = Array.from(document.getElementById("identify-photos").files);
            const results = document.getElementById("identify-results");
            const status = document.getElementById("identify-status");
            results.replaceChildren();
            status.textContent = "Looking…";
            for (const file of files) {
              try { await identifyOne(file, results); } catch (error) { results.appendChild(el("p", { class: "error" }, String(error))); }
            }
            status.textContent = "Done: " + files.length + " photo(s).";
            status.setAttribute("data-done", "1");
          });
        }

        function setUpCamera() {
          const start = document.getElementById("camera-start");
          if (!start) return;
          const video = document.getElementById("camera-view"), take = document.getElementById("camera-take");
          const input = document.getElementById("enrol-photos"), count = document.getElementById("camera-count");
          const taken = [];
          start.addEventListener("click", async () => {
            try {
              video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: false });
              video.hidden = false; take.hidden = false; start.hidden = true;
            } catch (error) { count.textContent = "The camera is not available: " + error.message; }
          });
          take.addEventListener("click", () => {
            const canvas = document.createElement("canvas");
            canvas.width = video.videoWidth; canvas.height = video.videoHeight;
            canvas.getContext("2d").drawImage(video, 0, 0);
            canvas.toBlob((blob) => {
              taken.push(new File([blob], "camera-" + (taken.length + 1) + ".jpg", { type: "image/jpeg" }));
              const all = new DataTransfer();
              for (const file of input.files) if (!file.name.startsWith("camera-")) all.items.add(file);
              taken.forEach((file) => all.items.add(file));
              input.files = all.files;
              count.textContent = taken.length + " photo(s) taken";
            }, "image/jpeg", 0.92);
          });
          document.getElementById("enrol-form").addEventListener("submit", () => {
            if (video.srcObject) video.srcObject.getTracks().forEach((track) => track.stop());
          });
        }

        function setUpFilter() {
          const filter = document.getElementById("member-filter");
          if (!filter) return;
          filter.addEventListener("input", () => {
            const text = filter.value.trim().toLowerCase();
            for (const row of document.querySelectorAll("#members tbody tr")) row.hidden = text !== "" && !row.textContent.toLowerCase().includes(text);
          });
        }

        document.addEventListener("DOMContentLoaded", () => { setUpIdentify(); setUpCamera(); setUpFilter(); });

        // Door: the live door view. Decisions arrive as server-sent events from
        // /api/v1/events; an alert is a card a person confirms (deny or admit, with a
        // reason) before it expires; camera health is polled from /api/v1/status.
        function setUpDoor() {
          const table = document.getElementById("door-events");
          if (!table) return;
          const rows = table.querySelector("tbody"), alerts = document.getElementById("door-alerts");
          const state = document.getElementById("door-stream"), health = document.getElementById("camera-health");
          const labels = {
            member: "Member", unknown: "Not a member", alert: "Alert", card: "Card entry",
            claim_mismatch: "Card: another face", claim_timeout: "Card: no face in time", claim_unknown_card: "Unknown card",
          };
          const cards = new Map();
          let skew = 0; // the daemon's clock minus this tablet's, from /api/v1/status
          const clock = (iso) => (iso ? new Date(iso).toLocaleTimeString() : "");

          function addRow(event) {
            const empty = rows.querySelector("tr.empty");
            if (empty) empty.remove();
            const row = el("tr", { class: event.decision, "data-decision": event.decision });
            row.appendChild(el("td", {}, clock(event.ts)));
            row.appendChild(el("td", {}, labels[event.decision] || event.decision));
            const who = event.name || (event.decision === "member" || event.decision === "alert" ? "a member" : "—");
            row.appendChild(el("td", { class: "who" }, who));
            rows.insertBefore(row, rows.firstChild);
            while (rows.rows.length > 50) rows.deleteRow(rows.rows.length - 1);
          }

          function settle(id, text, outcome) {
            const entry = cards.get(id);
            if (!entry || entry.card.getAttribute("data-state") !== "open") return;
            clearInterval(entry.timer);
            entry.card.setAttribute("data-state", outcome);
            const form = entry.card.querySelector("form");
            if (form) form.remove();
            entry.countdown.textContent = text;
          }

          function decided(decision) { return "Confirmed: " + (decision === "deny" ? "entry denied." : "admitted."); }

          function addAlert(event) {
            if (!event.alert || cards.has(event.alert)) return;
            const card = el("article", { class: "alert-card", "data-alert": event.alert, "data-state": "open" });
            card.appendChild(el("h3", {}, "Alert: " + (event.name || "a member on the deny-list")));
            card.appendChild(el("p", {}, "Raised at " + clock(event.ts) + ". A person decides; nothing happens by itself."));
            const countdown = el("p", { class: "countdown", role: "timer" });
            card.appendChild(countdown);
            const form = el("form", { class: "confirm" });
            const choice = el("fieldset");
            choice.appendChild(el("legend", {}, "Decision"));
            for (const [value, label] of [["deny", "Deny entry"], ["admit", "Admit"]]) {
              const option = el("label", { class: "check" });
              option.appendChild(el("input", { type: "radio", name: "decision", value, required: "" }));
              option.appendChild(el("span", {}, label));
              choice.appendChild(option);
            }
            form.appendChild(choice);
            const reasonLabel = el("label", {}, "Reason");
            const reason = el("input", { name: "reason", required: "", maxlength: "500", autocomplete: "off" });
            reasonLabel.appendChild(reason);
            form.appendChild(reasonLabel);
            form.appendChild(el("button", { type: "submit" }, "Confirm"));
            const problem = el("p", { class: "error", role: "alert" });
            form.appendChild(problem);
            card.appendChild(form);
            alerts.insertBefore(card, alerts.firstChild);
            const entry = { card, countdown, timer: 0 };
            cards.set(event.alert, entry);
            const expires = Date.parse(event.alert_expires_at);
            const tick = () => {
              const left = Math.ceil((expires - (Date.now() + skew)) / 1000);
              if (!(left > 0)) { settle(event.alert, "Expired — nothing was done.", "expired"); return; }
              countdown.textContent = "Expires in " + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0") + " unless a person decides.";
            };
            entry.timer = setInterval(tick, 1000);
            tick();
            form.addEventListener("submit", async (submitted) => {
              submitted.preventDefault();
              const decision = form.querySelector("input[name=decision]:checked");
              const response = await fetch("/api/v1/alerts/" + encodeURIComponent(event.alert) + "/confirm", {
                method: "POST", credentials: "same-origin",
                headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
                body: JSON.stringify({ decision: decision ? decision.value : "", reason: reason.value }),
              });
              const answer = await response.json().catch(() => ({}));
              if (!response.ok) { problem.textContent = (answer.error && answer.error.message) || "HTTP " + response.status; return; }
              settle(event.alert, decided(answer.decision), "confirmed");
            });
          }

          const source = new EventSource("/api/v1/events");
          source.addEventListener("open", () => {
            state.textContent = "Live: decisions appear here as they happen.";
            state.setAttribute("data-state", "live");
          });
          source.addEventListener("error", () => {
            const closed = source.readyState === EventSource.CLOSED;
            state.textContent = closed ? "Disconnected from the door: reload the page (or sign in again)." : "Reconnecting to the door…";
            state.setAttribute("data-state", closed ? "closed" : "reconnecting");
          });
          source.addEventListener("decision", (message) => {
            const event = JSON.parse(message.data);
            addRow(event);
            if (event.decision === "alert") addAlert(event);
          });
          source.addEventListener("alert_open", (message) => addAlert(JSON.parse(message.data)));
          source.addEventListener("alert_confirmed", (message) => {
            const event = JSON.parse(message.data);
            settle(event.alert, decided(event.decision), "confirmed");
          });
          source.addEventListener("alert_expired", (message) => settle(JSON.parse(message.data).alert, "Expired — nothing was done.", "expired"));

          async function poll() {
            try {
              const response = await fetch("/api/v1/status", { credentials: "same-origin" });
              const status = await response.json();
              if (!response.ok) throw new Error((status.error && status.error.message) || "HTTP " + response.status);
              // The daemon's time is to the second: only a larger difference is a skew.
              if (status.time) { const off = Date.parse(status.time) - Date.now(); skew = Math.abs(off) > 2000 ? off : 0; }
              showPanel(status.panel);
              const camera = status.camera;
              if (!camera) {
                health.textContent = "Camera: no camera.";
                health.setAttribute("data-camera", "none");
                return;
              }
              const parts = [
                camera.up ? "up" : "DOWN",
                Number(camera.fps || 0).toFixed(1) + " frames/s",
                camera.last_frame_seconds_ago === null || camera.last_frame_seconds_ago === undefined
                  ? "no frame yet" : "last frame " + Number(camera.last_frame_seconds_ago).toFixed(1) + " s ago",
                Math.round(Number(camera.enhanced_share || 0) * 100) + "% of frames enhanced for low light",
              ];
              if (camera.needs_light) {
                parts.push("THE DOOR NEEDS LIGHT: " + Math.round(Number(camera.too_dark_share || 0) * 100) + "% of frames too dark to find faces");
              }
              health.textContent = "Camera: " + parts.join(" · ");
              health.setAttribute("data-camera", camera.up ? "up" : "down");
            } catch (error) {
              health.textContent = "Camera: status unavailable (" + error.message + ").";
              health.setAttribute("data-camera", "unknown");
            }
          }
          // The venue's access panel ([osdp]): whether it hears the door, and its last answer.
          function showPanel(panel) {
            const line = document.getElementById("panel-link");
            if (!line) return;
            if (!panel) { line.hidden = true; return; }
            line.hidden = false;
            const parts = [panel.link === "up" ? "up" : "DOWN"];
            if (panel.problem) parts.push(panel.problem);
            parts.push(panel.granted + " granted, " + panel.denied + " denied by the panel");
            if (panel.not_sent) parts.push(panel.not_sent + " members let in but not sent");
            line.textContent = "Access panel: " + parts.join(" · ");
            line.setAttribute("data-panel", panel.link === "up" ? "up" : "down");
          }

          poll();
          setInterval(poll, 5000);
        }

        document.addEventListener("DOMContentLoaded", setUpDoor);
        """#
}
