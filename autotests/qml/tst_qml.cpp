// SPDX-License-Identifier: MIT
// Qt Quick Test runner for the QML files beside it: `import AsyncMySql` from this build, the
// test server's address as the context property `testServer`.
#include <QtQml/QQmlContext>
#include <QtQml/QQmlEngine>
#include <QtQuickTest/quicktest.h>

class Setup : public QObject
{
    Q_OBJECT

public Q_SLOTS:
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        // Qt 6.4 does not look in qrc:/qt/qml by itself; the module is a plugin in the build.
        engine->addImportPath(QStringLiteral(ASYNCMYSQL_QML_IMPORT_PATH));
        QVariantMap server;
        server.insert(QStringLiteral("available"), qEnvironmentVariableIsSet("ASYNCMYSQL_TEST_PORT"));
        server.insert(QStringLiteral("host"), qEnvironmentVariable("ASYNCMYSQL_TEST_HOST"));
        server.insert(QStringLiteral("port"), qEnvironmentVariableIntValue("ASYNCMYSQL_TEST_PORT"));
        server.insert(QStringLiteral("user"), qEnvironmentVariable("ASYNCMYSQL_TEST_USER"));
        server.insert(QStringLiteral("password"), qEnvironmentVariable("ASYNCMYSQL_TEST_PASSWORD"));
        server.insert(QStringLiteral("database"), qEnvironmentVariable("ASYNCMYSQL_TEST_DB"));
        engine->rootContext()->setContextProperty(QStringLiteral("testServer"), server);
    }
};

QUICK_TEST_MAIN_WITH_SETUP(asyncmysql_qml, Setup)
#include "tst_qml.moc"
