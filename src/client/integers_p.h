// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

namespace AsyncMySql {

/*!
    What std::from_chars(p, end, value) (base 10) does for 64-bit integers: an optional '-' (signed
    types only), digits up to the first non-digit, false without a digit or when the number does
    not fit (value is then unchanged). Written out because a row's integer cells go through it:
    libstdc++'s from_chars, generic over the base, spends about three times the instructions per
    digit. autotests/unit/tst_values and fuzz_values check it against std::from_chars.
*/
template<typename T>
bool parseInteger(const char *p, const char *end, T &value)
{
    static_assert(std::is_integral_v<T> && sizeof(T) == 8);
    using U = std::make_unsigned_t<T>;
    bool negative = false;
    if constexpr (std::is_signed_v<T>) {
        if (p != end && *p == '-') {
            negative = true;
            ++p;
        }
    }
    const auto digit = [](char c) { return unsigned(static_cast<unsigned char>(c) - '0'); };
    if (p == end || digit(*p) > 9)
        return false;
    // Eighteen digits cannot overflow 64 bits: only longer numbers are checked digit by digit.
    U v = 0;
    const char *unchecked = end - p > 18 ? p + 18 : end;
    for (; p != unchecked && digit(*p) <= 9; ++p)
        v = v * 10 + digit(*p);
    for (; p != end && digit(*p) <= 9; ++p) {
        if (__builtin_mul_overflow(v, U(10), &v) || __builtin_add_overflow(v, U(digit(*p)), &v))
            return false;
    }
    const U limit = negative ? U(std::numeric_limits<T>::max()) + 1 : U(std::numeric_limits<T>::max());
    if (v > limit)
        return false;
    value = negative ? T(U(0) - v) : T(v);
    return true;
}

} // namespace AsyncMySql
