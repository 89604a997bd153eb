// SPDX-License-Identifier: MIT
#include "decimal_p.h"

#include <AsyncMySql/Decimal.h>

#include <QtCore/QAtomicInt>
#include <QtCore/QHashFunctions>

#include <charconv>
#include <cmath>
#include <limits>
#include <new>
#include <string_view>
#include <type_traits>

namespace AsyncMySql {

struct Decimal::Shared
{
    QAtomicInt ref;
    qsizetype size;
    // The characters follow, in the same allocation.
    char *text() { return reinterpret_cast<char *>(this + 1); }
};

namespace {

template<typename Ch>
constexpr bool isDigit(Ch c)
{
    return c >= Ch('0') && c <= Ch('9');
}

//! `[-]digits[.digits]`: the only text a Decimal holds, and why it may go into SQL unquoted.
template<typename Ch>
bool isDecimalText(const Ch *s, qsizetype n)
{
    qsizetype i = n > 0 && s[0] == Ch('-') ? 1 : 0;
    const qsizetype wholeStart = i;
    while (i < n && isDigit(s[i]))
        ++i;
    if (i == wholeStart)
        return false;
    if (i == n)
        return true;
    if (s[i] != Ch('.'))
        return false;
    const qsizetype fractionStart = ++i;
    while (i < n && isDigit(s[i]))
        ++i;
    return i == n && i > fractionStart;
}

/*! A decimal text taken apart for comparing by value: the sign, the whole part without its
    leading zeros and the fraction without its trailing zeros ("-007.50" is -, "7", "5"). Zero
    has empty parts and no sign. */
struct Canonical
{
    bool negative = false;
    std::string_view whole, fraction;

    explicit Canonical(QByteArrayView text)
    {
        std::string_view s(text.data(), size_t(text.size()));
        negative = !s.empty() && s.front() == '-';
        if (negative)
            s.remove_prefix(1);
        const size_t dot = s.find('.');
        whole = s.substr(0, dot);
        fraction = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
        whole.remove_prefix(std::min(whole.find_first_not_of('0'), whole.size()));
        fraction = fraction.substr(0, fraction.find_last_not_of('0') + 1); // npos + 1 == 0
        if (isZero())
            negative = false;
    }

    bool isZero() const { return whole.empty() && fraction.empty(); }

    //! <0, 0, >0 for the absolute values.
    static int compareMagnitude(const Canonical &a, const Canonical &b)
    {
        if (a.whole.size() != b.whole.size())
            return a.whole.size() < b.whole.size() ? -1 : 1;
        if (const int c = a.whole.compare(b.whole))
            return c;
        // Trailing zeros are gone, so a fraction that is a prefix of the other is the smaller.
        return a.fraction.compare(b.fraction);
    }
};

//! The whole part of \a text if the fraction is all zeros ("12.00" -> "12"), else empty.
QByteArrayView wholeNumber(QByteArrayView text)
{
    const qsizetype dot = text.indexOf('.');
    if (dot < 0)
        return text;
    for (qsizetype i = dot + 1; i < text.size(); ++i) {
        if (text[i] != '0')
            return {};
    }
    return text.first(dot);
}

template<typename T>
T parseWhole(QByteArrayView text, bool *ok)
{
    const QByteArrayView whole = wholeNumber(text);
    T value = 0;
    bool parsed = false;
    if (!whole.isEmpty()) {
        const auto [end, ec] = std::from_chars(whole.begin(), whole.end(), value);
        parsed = ec == std::errc() && end == whole.end();
        // from_chars reads no '-' into an unsigned type, yet "-0" is zero.
        if constexpr (std::is_unsigned_v<T>)
            parsed = parsed || (whole.startsWith('-') && Canonical(whole).whole.empty());
    }
    if (ok)
        *ok = parsed;
    return parsed ? value : T(0);
}

} // namespace

Decimal Decimal::fromString(QAnyStringView text, bool *ok)
{
    Decimal d;
    const bool valid = text.visit([&d](auto view) {
        // Latin-1 and UTF-8 views are bytes, copied as they are; UTF-16 is narrowed once checked.
        if constexpr (std::is_same_v<decltype(view), QStringView>) {
            const char16_t *s = view.utf16();
            if (!isDecimalText(s, view.size()))
                return false;
            char *out = d.allocate(view.size());
            for (qsizetype i = 0; i < view.size(); ++i)
                out[i] = char(s[i]);
        } else {
            const char *s = reinterpret_cast<const char *>(view.data());
            if (!isDecimalText(s, view.size()))
                return false;
            std::memcpy(d.allocate(view.size()), s, size_t(view.size()));
        }
        return true;
    });
    if (ok)
        *ok = valid;
    return d;
}

char *Decimal::allocate(qsizetype size)
{
    Q_ASSERT(isNull() && size > 0);
    if (size <= InlineCapacity) {
        m_storage[TagIndex] = static_cast<unsigned char>(size);
        return reinterpret_cast<char *>(m_storage);
    }
    Shared *shared = new (::operator new(sizeof(Shared) + size_t(size))) Shared{QAtomicInt(1), size};
    std::memcpy(m_storage, &shared, sizeof shared);
    m_storage[TagIndex] = SharedTag;
    return shared->text();
}

void Decimal::retain() const noexcept
{
    Shared *shared;
    std::memcpy(&shared, m_storage, sizeof shared);
    shared->ref.ref();
}

void Decimal::release() noexcept
{
    Shared *shared;
    std::memcpy(&shared, m_storage, sizeof shared);
    if (!shared->ref.deref()) {
        shared->~Shared();
        ::operator delete(shared);
    }
}

QByteArrayView Decimal::view() const noexcept
{
    if (isShared()) {
        Shared *shared;
        std::memcpy(&shared, m_storage, sizeof shared);
        return QByteArrayView(shared->text(), shared->size);
    }
    return QByteArrayView(reinterpret_cast<const char *>(m_storage), m_storage[TagIndex]);
}

QString Decimal::toString() const
{
    return isNull() ? QString() : QString::fromLatin1(view());
}

QByteArray Decimal::toByteArray() const
{
    return view().toByteArray();
}

double Decimal::toDouble(bool *ok) const { return DecimalText::toDouble(view(), ok); }

double DecimalText::toDouble(QByteArrayView text, bool *ok)
{
    // One pass that checks the text and, for up to 15 digits (every DECIMAL(15,s) and below),
    // reads them as an integer: that and 10^scale are exact doubles, and IEEE division rounds
    // correctly, so their quotient is what from_chars gives (Clinger's fast path), for a
    // fraction of its cost. Longer numbers go through from_chars.
    static constexpr double Powers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const char *s = text.data();
    const qsizetype n = text.size();
    qsizetype i = n > 0 && s[0] == '-' ? 1 : 0;
    const bool negative = i == 1;
    quint64 mantissa = 0;
    int digits = 0;
    int scale = 0;
    const auto readDigits = [&](bool fraction) {
        const qsizetype start = i;
        for (; i < n && isDigit(s[i]); ++i) {
            if (++digits <= 15)
                mantissa = mantissa * 10 + quint64(s[i] - '0');
            scale += fraction ? 1 : 0;
        }
        return i > start;
    };
    bool valid = readDigits(false);
    if (valid && i < n) {
        valid = s[i] == '.';
        ++i;
        valid = valid && readDigits(true) && i == n;
    }
    if (ok)
        *ok = valid;
    if (!valid)
        return 0;
    if (digits <= 15) {
        const double value = double(mantissa) / Powers[scale];
        return negative ? -value : value;
    }
    double value = 0;
    // Correctly rounded and locale-free, a few hundred instructions (QString::toDouble() takes
    // thousands). The text is valid for it: from_chars reads '-', digits and '.'.
    const auto [end, ec] = std::from_chars(text.begin(), text.end(), value);
    if (ec == std::errc::result_out_of_range) {
        // A DECIMAL has at most 65 digits: too small for a double (rounds to 0) or too large.
        const Canonical parts(text);
        value = parts.whole.empty() ? 0.0 : std::numeric_limits<double>::infinity();
        value = parts.negative ? -value : value;
    }
    if (ok)
        *ok = ec == std::errc(); // out of double's range: not converted, as before the fast path
    return value;
}

qint64 Decimal::toLongLong(bool *ok) const
{
    return parseWhole<qint64>(view(), ok);
}

quint64 Decimal::toULongLong(bool *ok) const
{
    return parseWhole<quint64>(view(), ok);
}

int Decimal::toInt(bool *ok) const
{
    bool parsed = false;
    const qint64 value = toLongLong(&parsed);
    const bool fits = parsed && value >= std::numeric_limits<int>::min() && value <= std::numeric_limits<int>::max();
    if (ok)
        *ok = fits;
    return fits ? int(value) : 0;
}

int Decimal::scale() const noexcept
{
    const QByteArrayView text = view();
    const qsizetype dot = text.indexOf('.');
    return dot < 0 ? 0 : int(text.size() - dot - 1);
}

int Decimal::precision() const noexcept
{
    if (isNull())
        return 0;
    QByteArrayView whole = view();
    if (whole.startsWith('-'))
        whole = whole.sliced(1);
    if (const qsizetype dot = whole.indexOf('.'); dot >= 0)
        whole = whole.first(dot);
    qsizetype significant = whole.size();
    for (qsizetype i = 0; i < whole.size() && whole[i] == '0'; ++i)
        --significant;
    return qMax(1, int(significant) + scale());
}

int Decimal::compare(const Decimal &a, const Decimal &b) noexcept
{
    if (a.isNull() || b.isNull())
        return int(a.isValid()) - int(b.isValid());
    const Canonical x(a.view());
    const Canonical y(b.view());
    if (x.negative != y.negative)
        return x.negative ? -1 : 1;
    const int magnitude = Canonical::compareMagnitude(x, y);
    return x.negative ? -magnitude : magnitude;
}

size_t qHash(const Decimal &key, size_t seed) noexcept
{
    if (key.isNull())
        return seed;
    const Canonical parts(key.view());
    return qHashMulti(seed, parts.negative, QByteArrayView(parts.whole.data(), qsizetype(parts.whole.size())),
                      QByteArrayView(parts.fraction.data(), qsizetype(parts.fraction.size())));
}

namespace {
// Registered when the library is loaded, so QVariant conversions work before any value is
// decoded: code written for the QString that DECIMAL used to be (toString(), toDouble(), ...)
// keeps working on the QVariant.
void registerDecimal()
{
    qRegisterMetaType<Decimal>("AsyncMySql::Decimal");
    QMetaType::registerConverter<Decimal, QString>(&Decimal::toString);
    QMetaType::registerConverter<Decimal, QByteArray>(&Decimal::toByteArray);
    QMetaType::registerConverter<Decimal, double>(&Decimal::toDouble);
    QMetaType::registerConverter<Decimal, qlonglong>(&Decimal::toLongLong);
    QMetaType::registerConverter<Decimal, qulonglong>(&Decimal::toULongLong);
    QMetaType::registerConverter<Decimal, int>(&Decimal::toInt);
    // Truth as SQL has it (WHERE price): not zero.
    QMetaType::registerConverter<Decimal, bool>([](const Decimal &d) { return d.isValid() && !Canonical(d.view()).isZero(); });
    QMetaType::registerConverter<QString, Decimal>([](const QString &text) { return Decimal::fromString(text); });
}
Q_CONSTRUCTOR_FUNCTION(registerDecimal)
} // namespace

} // namespace AsyncMySql
