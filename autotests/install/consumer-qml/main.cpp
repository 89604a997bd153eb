// Loads `import AsyncMySql` from the installed plugin and checks the types work (no server).
#include <QtCore/QCoreApplication>
#include <QtQml/QQmlComponent>
#include <QtQml/QQmlEngine>
#include <cstdio>
#include <memory>

static_assert(__cplusplus == 201703L, "the consumer must build as C++17");

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QQmlEngine engine;
    // What the package config reports; the test sets QML_IMPORT_PATH to the same directory.
    engine.addImportPath(QStringLiteral(ASYNCMYSQL_QML_IMPORT_PATH));
    QQmlComponent component(&engine);
    component.setData(R"(
        import QtQml
        import AsyncMySql
        QtObject {
            property Database db: Database { url: "mysql://u:p@127.0.0.1:9/none"; minSize: 0 }
            property SqlQueryModel model: SqlQueryModel { database: db; batchSize: 7 }
            readonly property bool ok: model.status === SqlQueryModel.Null && model.batchSize === 7
                                       && db.status === Database.Null && model.rowCount === 0
        }
    )", QUrl());
    std::unique_ptr<QObject> root(component.create());
    if (!root) {
        std::fprintf(stderr, "%s\n", qPrintable(component.errorString()));
        return 1;
    }
    if (!root->property("ok").toBool())
        return 2;
    std::printf("qml consumer ok\n");
    return 0;
}
