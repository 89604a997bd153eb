// SPDX-License-Identifier: MIT
// Parsing of the server's DATE/DATETIME/TIME text, shared by the row decoder (bytes) and
// DateTime/Duration::fromString (QString): one grammar, two character types.
#pragma once

#include <QtCore/qglobal.h>

namespace AsyncMySql::Temporal {

template<typename Ch>
int digits(const Ch *s, qsizetype size, qsizetype pos, int n)
{
    if (pos + n > size)
        return -1;
    int v = 0;
    for (int i = 0; i < n; ++i) {
        const auto c = s[pos + i];
        if (c < Ch('0') || c > Ch('9'))
            return -1;
        v = v * 10 + int(c - Ch('0'));
    }
    return v;
}

//! "" or ".f" to ".ffffff" at \a pos, as microseconds; -1 if malformed.
template<typename Ch>
int fraction(const Ch *s, qsizetype size, qsizetype pos)
{
    if (pos >= size)
        return 0;
    if (s[pos] != Ch('.'))
        return -1;
    int v = 0, n = 0;
    for (qsizetype i = pos + 1; i < size; ++i, ++n) {
        const auto c = s[i];
        if (c < Ch('0') || c > Ch('9') || n >= 6)
            return -1;
        v = v * 10 + int(c - Ch('0'));
    }
    if (n == 0)
        return -1;
    for (; n < 6; ++n)
        v *= 10;
    return v;
}

struct DateTimeFields
{
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, microsecond = 0;
};

//! "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS[.ffffff]" (' ' or 'T'); false if malformed.
template<typename Ch>
bool parseDateTime(const Ch *s, qsizetype n, DateTimeFields &f)
{
    f.year = digits(s, n, 0, 4);
    f.month = digits(s, n, 5, 2);
    f.day = digits(s, n, 8, 2);
    if (f.year < 0 || f.month < 0 || f.day < 0 || s[4] != Ch('-') || s[7] != Ch('-'))
        return false;
    f.hour = f.minute = f.second = f.microsecond = 0;
    if (n == 10)
        return true;
    if (n < 19 || (s[10] != Ch(' ') && s[10] != Ch('T')) || s[13] != Ch(':') || s[16] != Ch(':'))
        return false;
    f.hour = digits(s, n, 11, 2);
    f.minute = digits(s, n, 14, 2);
    f.second = digits(s, n, 17, 2);
    f.microsecond = fraction(s, n, 19);
    return f.hour >= 0 && f.minute >= 0 && f.second >= 0 && f.microsecond >= 0;
}

//! "[-]H+:MM:SS[.ffffff]" as signed microseconds; false if malformed.
template<typename Ch>
bool parseTime(const Ch *s, qsizetype n, qint64 &us)
{
    const bool negative = n > 0 && s[0] == Ch('-');
    if (negative) {
        ++s;
        --n;
    }
    qsizetype colon = 0;
    while (colon < n && s[colon] != Ch(':'))
        ++colon;
    if (colon < 1 || colon > 4 || n < colon + 6 || s[colon + 3] != Ch(':'))
        return false;
    const int h = digits(s, n, 0, int(colon));
    const int m = digits(s, n, colon + 1, 2);
    const int sec = digits(s, n, colon + 4, 2);
    const int frac = fraction(s, n, colon + 6);
    if (h < 0 || m < 0 || m > 59 || sec < 0 || sec > 59 || frac < 0)
        return false;
    us = ((qint64(h) * 60 + m) * 60 + sec) * 1000000 + frac;
    if (negative)
        us = -us;
    return true;
}

} // namespace AsyncMySql::Temporal
