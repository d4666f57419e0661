#if Hummingbird
/// The chat page `GET /` serves: sign in for a token, open the room's WebSocket, send and show
/// messages. Element ids (`name`, `room`, `join`, `text`, `send`, `log`, `status`) are what
/// scripts/browser/hummingbird_chat_test.py drives.
enum ChatPage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Hummingbird chat over Duplex</title>
        <style>
          body { font: 15px system-ui, sans-serif; max-width: 40em; margin: 2em auto; }
          #log { border: 1px solid #999; min-height: 12em; padding: .5em; white-space: pre-wrap; }
          input, button { font: inherit; }
        </style>
        </head>
        <body>
        <h1>Chat</h1>
        <p>
          <input id="name" placeholder="your name" value="guest">
          <input id="room" placeholder="room" value="lobby">
          <button id="join">Join</button>
          <span id="status">not connected</span>
        </p>
        <div id="log"></div>
        <p><input id="text" placeholder="message" size="40"> <button id="send" disabled>Send</button></p>
        <script>
        let socket = null;
        const $ = (id) => document.getElementById(id);
        function show(line) { $('log').textContent += line + '\\n'; }
        $('join').onclick = async () => {
          const answer = await fetch('/api/token', {
            method: 'POST', headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({name: $('name').value})
          });
          if (!answer.ok) { $('status').textContent = 'refused: ' + await answer.text(); return; }
          const {token} = await answer.json();
          const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
          const room = encodeURIComponent($('room').value);
          socket = new WebSocket(`${scheme}://${location.host}/ws/chat?room=${room}&token=${token}`);
          socket.onopen = () => { $('status').textContent = 'connected'; $('send').disabled = false; };
          socket.onclose = (event) => { $('status').textContent = 'closed ' + event.code; $('send').disabled = true; };
          socket.onmessage = (event) => { const post = JSON.parse(event.data); show(post.from + ': ' + post.text); };
        };
        $('send').onclick = () => { socket.send($('text').value); $('text').value = ''; };
        </script>
        </body>
        </html>
        """
}
#endif
