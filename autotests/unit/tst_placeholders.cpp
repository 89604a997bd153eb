// SPDX-License-Identifier: MIT
// `?` placeholders found as the server finds them: not inside strings, identifiers or comments.
#include "client/placeholders_p.h"

#include <QtTest/QTest>

using namespace AsyncMySql;

class tst_Placeholders : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void written_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<bool>("noBackslashEscapes");
        QTest::addColumn<QString>("expected");
        auto row = [](const char *name, const char *sql, const char *expected, bool nbe = false) {
            QTest::newRow(name) << QString::fromUtf8(sql) << nbe << QString::fromUtf8(expected);
        };
        row("plain", "SELECT ?, ?", "SELECT 1, 'a'");
        row("string", "SELECT '?', ?, ?", "SELECT '?', 1, 'a'");
        row("doubled quote", "SELECT 'it''s ?', ?, ?", "SELECT 'it''s ?', 1, 'a'");
        row("backslash quote", "SELECT 'a\\' ?', ?, ?", "SELECT 'a\\' ?', 1, 'a'");
        row("no backslash escapes", "SELECT 'a\\', ?, ?", "SELECT 'a\\', 1, 'a'", true);
        row("double quotes", "SELECT \"?\\\"?\", ?, ?", "SELECT \"?\\\"?\", 1, 'a'");
        row("identifier", "SELECT `a?``b?`, ?, ?", "SELECT `a?``b?`, 1, 'a'");
        row("dash comment", "SELECT ?, -- what?\n ?", "SELECT 1, -- what?\n 'a'");
        row("double minus", "SELECT ?--?", "SELECT 1--'a'");
        row("hash comment", "SELECT ? # really?\n, ?", "SELECT 1 # really?\n, 'a'");
        row("block comment", "SELECT /* ? */ ?, ?", "SELECT /* ? */ 1, 'a'");
        row("executable comment", "SELECT ? /*! , ? */", "SELECT 1 /*! , 'a' */");
        row("mariadb executable comment", "SELECT ? /*M!100000 , ? */", "SELECT 1 /*M!100000 , 'a' */");
        row("unterminated comment", "SELECT ?, ? /* ?", "SELECT 1, 'a' /* ?");
    }

    void written()
    {
        QFETCH(QString, sql);
        QFETCH(bool, noBackslashEscapes);
        QFETCH(QString, expected);
        SqlWriter writer(TextEncoding::Utf8, noBackslashEscapes);
        ErrorInfo error;
        QVERIFY2(writeWithPlaceholders(writer, sql, {1, QStringLiteral("a")}, noBackslashEscapes, error), qPrintable(error.message));
        QCOMPARE(QString::fromUtf8(writer.result()), expected);
        QCOMPARE(placeholderCount(sql, noBackslashEscapes), 2);
    }

    void mismatch()
    {
        ErrorInfo error;
        SqlWriter w1(TextEncoding::Utf8, false);
        QVERIFY(!writeWithPlaceholders(w1, u"SELECT ?, ?", {1}, false, error));
        QCOMPARE(error.type, Error::Type::Programming);
        SqlWriter w2(TextEncoding::Utf8, false);
        QVERIFY(!writeWithPlaceholders(w2, u"SELECT '?'", {1}, false, error));
        QCOMPARE(error.type, Error::Type::Programming);
        SqlWriter w3(TextEncoding::Utf8, false);
        QVERIFY(!writeWithPlaceholders(w3, u"SELECT ?", {QVariant(std::nan(""))}, false, error));
        QCOMPARE(error.type, Error::Type::Data); // the literal's own error is kept
    }
};

QTEST_GUILESS_MAIN(tst_Placeholders)
#include "tst_placeholders.moc"
