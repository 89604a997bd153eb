// SPDX-License-Identifier: MIT
#include <AsyncMySql/Types.h>

#include "temporal_p.h"

#include <QtCore/QMetaType>

namespace AsyncMySql {

namespace {

QString withFraction(QString text, int micro)
{
    if (micro)
        text += QLatin1Char('.') + QString::number(micro).rightJustified(6, QLatin1Char('0'));
    return text;
}

} // namespace

DateTime DateTime::fromQDateTime(const QDateTime &dt)
{
    if (!dt.isValid())
        return {};
    const QDate d = dt.date();
    const QTime t = dt.time();
    return DateTime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second(), t.msec() * 1000);
}

DateTime DateTime::fromString(QStringView s, bool *ok)
{
    Temporal::DateTimeFields f;
    const bool parsed = Temporal::parseDateTime(s.utf16(), s.size(), f);
    if (ok)
        *ok = parsed;
    return parsed ? DateTime(f.year, f.month, f.day, f.hour, f.minute, f.second, f.microsecond) : DateTime();
}

bool DateTime::isZero() const noexcept
{
    return m_year == 0 && m_month == 0 && m_day == 0 && m_hour == 0 && m_minute == 0
            && m_second == 0 && m_microsecond == 0;
}

bool DateTime::isValid() const noexcept
{
    return QDate::isValid(m_year, m_month, m_day) && m_hour < 24 && m_minute < 60 && m_second < 60
            && m_microsecond < 1000000;
}

QDate DateTime::date() const { return QDate(m_year, m_month, m_day); }

QTime DateTime::time() const { return QTime(m_hour, m_minute, m_second, int(m_microsecond / 1000)); }

QDateTime DateTime::toQDateTime() const
{
    if (!isValid())
        return {};
    return QDateTime(date(), time());
}

QString DateTime::toString() const
{
    const QString base = QString::asprintf("%04d-%02d-%02d %02d:%02d:%02d", m_year, m_month, m_day,
                                           m_hour, m_minute, m_second);
    return withFraction(base, int(m_microsecond));
}

namespace {
constexpr qint64 UsPerSecond = 1000000;
constexpr qint64 UsPerMinute = 60 * UsPerSecond;
constexpr qint64 UsPerHour = 60 * UsPerMinute;
} // namespace

Duration Duration::fromQTime(const QTime &t)
{
    return t.isValid() ? Duration(qint64(t.msecsSinceStartOfDay()) * 1000) : Duration();
}

Duration Duration::fromParts(bool negative, int hours, int minutes, int seconds, int microseconds)
{
    const qint64 us = hours * UsPerHour + minutes * UsPerMinute + seconds * UsPerSecond + microseconds;
    return Duration(negative ? -us : us);
}

Duration Duration::fromString(QStringView s, bool *ok)
{
    qint64 us = 0;
    const bool parsed = Temporal::parseTime(s.utf16(), s.size(), us);
    if (ok)
        *ok = parsed;
    return parsed ? Duration(us) : Duration();
}

int Duration::hours() const noexcept { return int(qAbs(m_us) / UsPerHour); }
int Duration::minutes() const noexcept { return int(qAbs(m_us) % UsPerHour / UsPerMinute); }
int Duration::seconds() const noexcept { return int(qAbs(m_us) % UsPerMinute / UsPerSecond); }
int Duration::microseconds() const noexcept { return int(qAbs(m_us) % UsPerSecond); }

QTime Duration::toQTime() const
{
    if (m_us < 0 || m_us >= 24 * UsPerHour)
        return {};
    return QTime::fromMSecsSinceStartOfDay(int(m_us / 1000));
}

QString Duration::toString() const
{
    const QString base = QString::asprintf("%s%02d:%02d:%02d", m_us < 0 ? "-" : "", hours(),
                                           minutes(), seconds());
    return withFraction(base, microseconds());
}

namespace {
// Registered when the library is loaded, so QVariant conversions work before any connection.
void registerTypes()
{
    qRegisterMetaType<DateTime>("AsyncMySql::DateTime");
    qRegisterMetaType<Duration>("AsyncMySql::Duration");
    QMetaType::registerConverter<DateTime, QDateTime>(&DateTime::toQDateTime);
    QMetaType::registerConverter<DateTime, QDate>(&DateTime::date);
    QMetaType::registerConverter<DateTime, QString>(&DateTime::toString);
    QMetaType::registerConverter<Duration, QTime>(&Duration::toQTime);
    QMetaType::registerConverter<Duration, QString>(&Duration::toString);
    QMetaType::registerConverter<Duration, qlonglong>([](const Duration &d) { return qlonglong(d.totalMicroseconds()); });
    QMetaType::registerConverter<QDateTime, DateTime>([](const QDateTime &dt) { return DateTime::fromQDateTime(dt); });
    QMetaType::registerConverter<QTime, Duration>([](const QTime &t) { return Duration::fromQTime(t); });
}
Q_CONSTRUCTOR_FUNCTION(registerTypes)
} // namespace

} // namespace AsyncMySql
