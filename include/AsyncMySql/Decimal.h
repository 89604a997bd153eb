// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/global.h>

#include <QtCore/QAnyStringView>
#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QMetaType>
#include <QtCore/QString>

#include <cstring>
#include <utility>

QT_BEGIN_NAMESPACE
class QDebug;
QT_END_NAMESPACE

namespace AsyncMySql {

/*!
    A DECIMAL (NEWDECIMAL) value, exact: the number's text as the server sent it, such as
    "-12.50" or "12345678901234567890123456789012345.123456789012345678901234567890". Nothing is
    rounded or reformatted, so a value read writes back unchanged (as an unquoted DECIMAL
    literal, never through a double).

    The text is always `[-]digits[.digits]` (ASCII, no exponent, no spaces); fromString()
    accepts nothing else, which is also why a Decimal can be written into SQL unquoted. A
    default-constructed Decimal is null (isNull()); a parameter holding one is SQL NULL.

    Registered with QMetaType converters, so code written for the QString DECIMAL used to be
    keeps working on a QVariant holding one: toString() (the exact text), toDouble(),
    toLongLong(), toULongLong(), toInt() (these three only when the value is a whole number in
    range), toByteArray(), toBool() (true when not zero); item views show the text. A QString
    converts to a Decimal (null if the text is not a decimal number). A QVariant holding a
    Decimal is not equal to one holding the same text as a QString: compare toString().

    Comparisons are numeric: "1.50" == "1.5" and "-0" == "0.00" (as Python's decimal.Decimal
    compares); toString() still tells them apart. qHash() agrees with ==. A null Decimal equals
    only another null one and orders before every number.

    Cheap to make and copy: on 64-bit systems a value of up to 23 characters (any value of a
    DECIMAL(20,x) column) is held inside the object, with no allocation, and a QVariant holds
    the object in place too; longer text is in one reference-counted block shared by copies.
*/
class ASYNCMYSQL_EXPORT Decimal
{
public:
    //! A null Decimal.
    Decimal() noexcept = default;
    Decimal(const Decimal &other) noexcept
    {
        std::memcpy(m_storage, other.m_storage, StorageSize);
        if (isShared())
            retain();
    }
    Decimal(Decimal &&other) noexcept
    {
        std::memcpy(m_storage, other.m_storage, StorageSize);
        other.m_storage[TagIndex] = 0;
    }
    Decimal &operator=(const Decimal &other) noexcept
    {
        Decimal(other).swap(*this);
        return *this;
    }
    Decimal &operator=(Decimal &&other) noexcept
    {
        swap(other);
        return *this;
    }
    ~Decimal()
    {
        if (isShared())
            release();
    }
    void swap(Decimal &other) noexcept { std::swap(m_storage, other.m_storage); }

    /*! The Decimal of \a text, `[-]digits[.digits]` as MySQL writes a DECIMAL value (the
        fraction, if there is a '.', has at least one digit); \a ok (if given) tells whether it
        was such a text. Anything else gives a null Decimal. */
    static Decimal fromString(QAnyStringView text, bool *ok = nullptr);

    bool isNull() const noexcept { return m_storage[TagIndex] == 0; }
    bool isValid() const noexcept { return !isNull(); }

    //! The exact text (a null QString for a null Decimal).
    QString toString() const;
    //! The exact text as ASCII bytes.
    QByteArray toByteArray() const;
    /*! The exact text without a copy; valid while this Decimal lives unchanged (a short value's
        text is inside the object, so moving it also ends the view). */
    QByteArrayView view() const noexcept;

    /*! The nearest double (correctly rounded, whatever the locale). \a ok is false for a null
        Decimal and for text beyond a double's range (an infinity if it overflows, zero if it
        underflows; no DECIMAL column holds such values). */
    double toDouble(bool *ok = nullptr) const;
    /*! The value if it is a whole number ("12", "12.00") within qint64's range; otherwise 0,
        with \a ok false. */
    qint64 toLongLong(bool *ok = nullptr) const;
    //! The value if it is a whole number within quint64's range ("-0" too); otherwise 0.
    quint64 toULongLong(bool *ok = nullptr) const;
    //! The value if it is a whole number within int's range; otherwise 0.
    int toInt(bool *ok = nullptr) const;
    // (Not noexcept, like QString's: QMetaType::registerConverter() takes them as they are.)

    //! Digits after the '.': 2 for "-12.50" (DECIMAL(M,D)'s D, as the server sent it).
    int scale() const noexcept;
    /*! The smallest M of a DECIMAL(M, scale()) that holds the value: 4 for "-12.50", 2 for
        "0.05", 1 for "0" (leading zeros of the whole part do not count); 0 for null. */
    int precision() const noexcept;

    friend bool operator==(const Decimal &a, const Decimal &b) noexcept { return compare(a, b) == 0; }
    friend bool operator!=(const Decimal &a, const Decimal &b) noexcept { return compare(a, b) != 0; }
    friend bool operator<(const Decimal &a, const Decimal &b) noexcept { return compare(a, b) < 0; }
    friend bool operator<=(const Decimal &a, const Decimal &b) noexcept { return compare(a, b) <= 0; }
    friend bool operator>(const Decimal &a, const Decimal &b) noexcept { return compare(a, b) > 0; }
    friend bool operator>=(const Decimal &a, const Decimal &b) noexcept { return compare(a, b) >= 0; }

private:
    struct Shared; // text longer than InlineCapacity, reference-counted

    // The size of what a QVariant holds in place (three pointers): the last byte is the tag.
    static constexpr int StorageSize = 3 * sizeof(void *);
    static constexpr int TagIndex = StorageSize - 1;
    static constexpr int InlineCapacity = StorageSize - 1;
    static constexpr unsigned char SharedTag = 0xff;

    //! <0, 0, >0 as \a a is numerically below, equal to or above \a b; null below all.
    static int compare(const Decimal &a, const Decimal &b) noexcept;
    //! Room for \a size characters (this Decimal must be null), inline or shared.
    char *allocate(qsizetype size);
    bool isShared() const noexcept { return m_storage[TagIndex] == SharedTag; }
    void retain() const noexcept;
    void release() noexcept;

    // Tag 0: null. 1..InlineCapacity: that many characters at the start. SharedTag: a Shared *
    // at the start.
    alignas(void *) unsigned char m_storage[StorageSize] = {};
};

//! Consistent with ==: numerically equal values ("1.50", "1.5") hash alike.
ASYNCMYSQL_EXPORT size_t qHash(const Decimal &key, size_t seed = 0) noexcept;
//! `AsyncMySql::Decimal(-12.50)`, as toString() writes it; `AsyncMySql::Decimal()` when null.
ASYNCMYSQL_EXPORT QDebug operator<<(QDebug debug, const Decimal &value);

} // namespace AsyncMySql

// Moving the bytes moves the value (the shared block's count does not change): QList and
// QVariant may relocate it with memcpy, and QVariant keeps it in place, without an allocation.
Q_DECLARE_TYPEINFO(AsyncMySql::Decimal, Q_RELOCATABLE_TYPE);
Q_DECLARE_METATYPE(AsyncMySql::Decimal)
