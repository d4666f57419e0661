// The kernel's loop, written once for the vector operations that the file including it defines:
// KERNEL_NAME, KERNEL_ATTRIBUTES, VEC, WIDTH (bytes per vector), LOAD(pointer), SPLAT(byte),
// TABLE(row of `tables`), OPEN_AT_END (the limits of OPEN_AT_END_16 in the vector's last lane), AND,
// OR, XOR, SUBS (unsigned saturating subtraction), SHUFFLE(table, nibbles), HIGH_NIBBLE(vector),
// PREVIOUS(input, previous, n) (each byte's n-th predecessor), IS_ASCII(vector), IS_ZERO(vector).
// See UTF8Kernels.c for the method.

KERNEL_ATTRIBUTES static int KERNEL_NAME(const uint8_t *bytes, size_t count) {
    const VEC previousHigh = TABLE(0), previousLow = TABLE(1), currentHigh = TABLE(2);
    const VEC openAtEnd = OPEN_AT_END, nibble = SPLAT(0x0F), highBit = SPLAT(0x80);
    const VEC thirdByte = SPLAT(0xE0 - 0x80), fourthByte = SPLAT(0xF0 - 0x80);
    VEC previous = SPLAT(0), error = SPLAT(0);
    VEC open = SPLAT(0);  // sequences the previous vector left open
    uint8_t last[WIDTH];
    size_t index = 0;
    while (index < count) {
        VEC input;
        if (count - index >= 2 * WIDTH) {
            VEC first = LOAD(bytes + index), second = LOAD(bytes + index + WIDTH);
            if (IS_ASCII(OR(first, second))) {
                error = OR(error, open);
                open = SPLAT(0);
                previous = second;
                index += 2 * WIDTH;
                continue;
            }
            input = first;
            index += WIDTH;
        } else if (count - index >= WIDTH) {
            input = LOAD(bytes + index);
            index += WIDTH;
        } else {
            __builtin_memset(last, 0, sizeof last);  // ASCII NULs after the end: a cut sequence fails
            __builtin_memcpy(last, bytes + index, count - index);
            input = LOAD(last);
            index = count;
        }
        if (IS_ASCII(input)) {
            error = OR(error, open);
            open = SPLAT(0);
            previous = input;
            continue;
        }
        VEC previous1 = PREVIOUS(input, previous, 1);
        VEC previous2 = PREVIOUS(input, previous, 2);
        VEC previous3 = PREVIOUS(input, previous, 3);
        VEC classes = AND(
            AND(SHUFFLE(previousHigh, HIGH_NIBBLE(previous1)), SHUFFLE(previousLow, AND(previous1, nibble))),
            SHUFFLE(currentHigh, HIGH_NIBBLE(input)));
        VEC mustContinue = AND(OR(SUBS(previous2, thirdByte), SUBS(previous3, fourthByte)), highBit);
        error = OR(error, XOR(classes, mustContinue));
        open = SUBS(input, openAtEnd);
        previous = input;
    }
    return IS_ZERO(OR(error, open));
}
