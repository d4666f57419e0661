#if Hummingbird
import Duplex
import Hummingbird
import HTTPTypes

extension Response {
    /// Duplex's refusal as a Hummingbird response: its status, header fields and text body.
    init(_ refusal: HandshakeResponse) {
        // Hummingbird adds the body's Content-Length.
        self.init(
            status: HTTPResponse.Status(code: refusal.status, reasonPhrase: refusal.reason),
            headers: HTTPFields(refusal.headers),
            body: ResponseBody(byteBuffer: ByteBuffer(string: refusal.body)))
    }
}

extension HTTPFields {
    /// `fields` as HTTP Types fields; Duplex validated every name and value already, so none is
    /// left out.
    init(_ fields: HeaderFields) {
        self.init()
        for field in fields {
            if let name = HTTPField.Name(field.name) { append(HTTPField(name: name, value: field.value)) }
        }
    }
}
#endif
