#if Vapor
/// The chat's page: log in with a name, join a room, send and read messages.
enum ChatPage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Duplex in Vapor: chat</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
        #log { border: 1px solid #ccc; height: 20rem; overflow-y: auto; padding: .5rem; }
        #log p { margin: .2rem 0; } .server { color: #777; font-style: italic; }
        form { display: flex; gap: .5rem; margin: .5rem 0; } input[type=text] { flex: 1; }
        </style>
        </head>
        <body>
        <h1>Chat</h1>
        <form id="join">
          <input type="text" id="name" placeholder="your name" required maxlength="32">
          <input type="text" id="room" value="lobby" required>
          <button>Join</button>
        </form>
        <div id="status">not connected</div>
        <div id="log"></div>
        <form id="send">
          <input type="text" id="text" placeholder="message" autocomplete="off" disabled>
          <button id="sendButton" disabled>Send</button>
        </form>
        <script>
        const $ = (id) => document.getElementById(id);
        let ws;
        function show(from, text) {
          const line = document.createElement("p");
          if (from === "server") line.className = "server";
          line.textContent = from === "server" ? text : from + ": " + text;
          $("log").append(line);
          $("log").scrollTop = $("log").scrollHeight;
        }
        $("join").onsubmit = async (event) => {
          event.preventDefault();
          if (ws) ws.close();
          const login = await fetch("/api/login", {
            method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ name: $("name").value }),
          });
          if (!login.ok) { $("status").textContent = "login failed: " + (await login.json()).reason; return; }
          const { token } = await login.json();
          const room = encodeURIComponent($("room").value);
          const scheme = location.protocol === "https:" ? "wss:" : "ws:";
          ws = new WebSocket(`${scheme}//${location.host}/ws/rooms/${room}?token=${encodeURIComponent(token)}`);
          ws.onopen = () => {
            $("status").textContent = "in room " + $("room").value;
            $("text").disabled = $("sendButton").disabled = false;
            $("text").focus();
          };
          ws.onmessage = (event) => { const message = JSON.parse(event.data); show(message.from, message.text); };
          ws.onclose = (event) => {
            $("status").textContent = "disconnected (" + event.code + ")";
            $("text").disabled = $("sendButton").disabled = true;
          };
        };
        $("send").onsubmit = (event) => {
          event.preventDefault();
          if ($("text").value) ws.send($("text").value);
          $("text").value = "";
        };
        </script>
        </body>
        </html>
        """
}
#endif
