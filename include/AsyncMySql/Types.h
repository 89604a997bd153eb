// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/global.h>
// The value types MySQL has and Qt has not: DECIMAL's has a header of its own.
#include <AsyncMySql/Decimal.h>

#include <QtCore/QDate>
#include <QtCore/QDateTime>
#include <QtCore/QMetaType>
#include <QtCore/QString>
#include <QtCore/QTime>

QT_BEGIN_NAMESPACE
class QDebug;
QT_END_NAMESPACE

namespace AsyncMySql {

/*!
    A DATETIME or TIMESTAMP value exactly as the server sent it: wall-clock fields with
    microseconds, no time zone and no silent conversion. It also holds what QDateTime cannot,
    such as the zero date '0000-00-00 00:00:00', so every value read writes back unchanged.

    Registered with QMetaType converters: QVariant::toDateTime(), toDate() and toString() work
    on a QVariant holding one (toDateTime() gives local time with millisecond precision).
*/
class ASYNCMYSQL_EXPORT DateTime
{
public:
    constexpr DateTime() = default;
    constexpr DateTime(int year, int month, int day, int hour = 0, int minute = 0, int second = 0,
                       int microsecond = 0)
        : m_year(quint16(year)), m_month(quint8(month)), m_day(quint8(day)), m_hour(quint8(hour)),
          m_minute(quint8(minute)), m_second(quint8(second)), m_microsecond(quint32(microsecond))
    {
    }
    //! Takes the date and time fields of \a dt as they are (no time zone conversion).
    static DateTime fromQDateTime(const QDateTime &dt);
    /*! Parses "YYYY-MM-DD[ HH:MM:SS[.ffffff]]" (also with 'T'); \a ok (if given) tells whether
        it succeeded. */
    static DateTime fromString(QStringView text, bool *ok = nullptr);

    int year() const noexcept { return m_year; }
    int month() const noexcept { return m_month; }
    int day() const noexcept { return m_day; }
    int hour() const noexcept { return m_hour; }
    int minute() const noexcept { return m_minute; }
    int second() const noexcept { return m_second; }
    int microsecond() const noexcept { return int(m_microsecond); }

    //! True for '0000-00-00 00:00:00', which MySQL allows and QDateTime cannot hold.
    bool isZero() const noexcept;
    //! True if the fields form a real calendar date and time.
    bool isValid() const noexcept;
    QDate date() const;
    QTime time() const; //!< millisecond precision
    //! Local time, milliseconds (microseconds are truncated); invalid for the zero date.
    QDateTime toQDateTime() const;
    //! "YYYY-MM-DD HH:MM:SS" plus ".ffffff" when microseconds are not zero.
    QString toString() const;

    friend bool operator==(const DateTime &a, const DateTime &b) noexcept
    {
        return a.m_year == b.m_year && a.m_month == b.m_month && a.m_day == b.m_day
               && a.m_hour == b.m_hour && a.m_minute == b.m_minute && a.m_second == b.m_second
               && a.m_microsecond == b.m_microsecond;
    }
    friend bool operator!=(const DateTime &a, const DateTime &b) noexcept { return !(a == b); }

private:
    quint16 m_year = 0;
    quint8 m_month = 0, m_day = 0, m_hour = 0, m_minute = 0, m_second = 0;
    quint32 m_microsecond = 0;
};

/*!
    A TIME value: a signed duration up to ±838:59:59.999999 with microseconds, which QTime
    (a time of day) cannot hold. Converts to QTime when it lies within one day, and to QString.
*/
class ASYNCMYSQL_EXPORT Duration
{
public:
    constexpr Duration() = default;
    constexpr explicit Duration(qint64 microseconds) : m_us(microseconds) { }
    static Duration fromQTime(const QTime &t);
    static Duration fromParts(bool negative, int hours, int minutes, int seconds, int microseconds = 0);
    //! Parses "[-]H+:MM:SS[.ffffff]"; \a ok (if given) tells whether it succeeded.
    static Duration fromString(QStringView text, bool *ok = nullptr);

    qint64 totalMicroseconds() const noexcept { return m_us; }
    bool isNegative() const noexcept { return m_us < 0; }
    int hours() const noexcept;   //!< of the absolute value, may exceed 23
    int minutes() const noexcept; //!< 0..59 of the absolute value
    int seconds() const noexcept; //!< 0..59 of the absolute value
    int microseconds() const noexcept; //!< 0..999999 of the absolute value
    //! The time of day if 0 <= value < 24 h, else an invalid QTime.
    QTime toQTime() const;
    //! "[-]HH:MM:SS" plus ".ffffff" when microseconds are not zero.
    QString toString() const;

    friend bool operator==(Duration a, Duration b) noexcept { return a.m_us == b.m_us; }
    friend bool operator!=(Duration a, Duration b) noexcept { return a.m_us != b.m_us; }

private:
    qint64 m_us = 0;
};

//! `AsyncMySql::DateTime(2024-05-01 12:30:00.000250)`, as toString() writes it.
ASYNCMYSQL_EXPORT QDebug operator<<(QDebug debug, const DateTime &value);
//! `AsyncMySql::Duration(-838:59:59)`, as toString() writes it.
ASYNCMYSQL_EXPORT QDebug operator<<(QDebug debug, Duration value);

} // namespace AsyncMySql

Q_DECLARE_METATYPE(AsyncMySql::DateTime)
Q_DECLARE_METATYPE(AsyncMySql::Duration)
