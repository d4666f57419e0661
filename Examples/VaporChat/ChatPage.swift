#if Vapor
/// What `GET /` serves. A person signs in with a name (a token from `POST /api/token`), joins a
/// room (the WebSocket, with the page's own Origin) and chats; scripts/browser/integration_chat_test.py
/// does the same through the element ids `name`, `room`, `join`, `status` (`connected` once
/// open), `log`, `text` and `send`.
enum ChatPage {
    static let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Vapor chat over Duplex</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; }
        #log { border: 1px solid #bbb; height: 18rem; overflow-y: auto; padding: .5rem; }
        #log p { margin: .2rem 0; }
        .bar { display: flex; gap: .5rem; margin: .5rem 0; align-items: center; }
        .bar input { flex: 1; }
        </style>
        </head>
        <body>
        <h1>Chat</h1>
        <div class="bar">
          <input id="name" placeholder="your name" maxlength="32" value="guest">
          <input id="room" placeholder="room" maxlength="64" value="lobby">
          <button id="join">Join</button>
        </div>
        <div id="status">not connected</div>
        <div id="log"></div>
        <div class="bar">
          <input id="text" placeholder="message" autocomplete="off">
          <button id="send" disabled>Send</button>
        </div>
        <script>
        const byId = (id) => document.getElementById(id);
        let socket = null;
        function note(line) {
          const p = document.createElement("p");
          p.textContent = line;
          byId("log").append(p);
          byId("log").scrollTop = byId("log").scrollHeight;
        }
        async function join() {
          if (socket) socket.close(1000);
          byId("status").textContent = "signing in";
          const answer = await fetch("/api/token", {
            method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ name: byId("name").value }),
          });
          if (!answer.ok) { byId("status").textContent = "sign-in refused: " + answer.status; return; }
          const { token } = await answer.json();
          const scheme = location.protocol === "https:" ? "wss:" : "ws:";
          const query = new URLSearchParams({ room: byId("room").value, token });
          const opened = new WebSocket(`${scheme}//${location.host}/ws/chat?${query}`);
          socket = opened;
          opened.onopen = () => { byId("status").textContent = "connected"; byId("send").disabled = false; };
          opened.onmessage = (event) => { const post = JSON.parse(event.data); note(post.from + ": " + post.text); };
          opened.onclose = (event) => {
            if (socket !== opened) return;
            byId("status").textContent = "closed (" + event.code + ")";
            byId("send").disabled = true;
          };
        }
        function send() {
          if (socket && byId("text").value) socket.send(byId("text").value);
          byId("text").value = "";
        }
        byId("join").onclick = join;
        byId("send").onclick = send;
        byId("text").onkeydown = (event) => { if (event.key === "Enter") send(); };
        </script>
        </body>
        </html>
        """
}
#endif
