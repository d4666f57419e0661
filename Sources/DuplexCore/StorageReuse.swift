/// The largest buffer storage a connection keeps between uses (its parser's buffer, its outbound
/// bytes). A kept storage is recycled with `ByteBuffer.clear()`, which allocates nothing once no
/// slice handed out shares it, so that a steady exchange of messages up to this size allocates
/// nothing; a larger storage is let go once drained, so that an idle connection does not hold it.
let reusedStorageCapacity = 16 << 10
