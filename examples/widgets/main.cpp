// SPDX-License-Identifier: MIT
// Qt Widgets: a QTableView over ResultModel (rows fetched in batches as the view scrolls) and an
// "insert row" form whose Cursor reports through signals and slots. Nothing blocks: while a
// statement runs the window stays responsive, and errors (a duplicate name) show in the status
// bar.
//
//   widgets [--selftest] [mysql://user:password@host:port/database]
//
// --selftest inserts a row through the form, checks that the table shows it, inserts it again
// to see the IntegrityError, and exits with the result. Without a URL the ASYNCMYSQL_TEST_*
// variables of scripts/testserver.sh are used.

#include "../shared/environment.h"

#include <AsyncMySql/AsyncMySql.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QDateTime>
#include <QtCore/QTimer>
#include <QtWidgets/QApplication>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMainWindow>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

#include <cstdio>

using namespace AsyncMySql;

static const auto CreateTable = QStringLiteral(
        "CREATE TABLE IF NOT EXISTS widget_items (id INT AUTO_INCREMENT PRIMARY KEY, "
        "name VARCHAR(60) NOT NULL UNIQUE, price DECIMAL(8,2) NOT NULL, "
        "added TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)");
static const auto SeedRows = QStringLiteral(
        "INSERT IGNORE INTO widget_items (name, price) SELECT CONCAT('widget ', seq), seq / 4 FROM seq_1_to_500");

class ItemsWindow : public QMainWindow
{
    Q_OBJECT

public:
    ItemsWindow(Pool *pool, Connection *connection)
        : m_model(new ResultModel(pool, this)), m_cursor(connection->cursor())
    {
        setWindowTitle(QStringLiteral("AsyncMySql widgets"));
        resize(720, 520);

        // The view asks for the next batch when it scrolls to the end (canFetchMore/fetchMore).
        m_model->setBatchSize(50);
        m_model->setQuery(QStringLiteral("SELECT id, name, price, added FROM widget_items ORDER BY id DESC"));
        m_view = new QTableView;
        m_view->setModel(m_model);
        m_view->setAlternatingRowColors(true);
        m_view->horizontalHeader()->setStretchLastSection(true);
        m_view->verticalHeader()->hide();

        m_name = new QLineEdit;
        m_name->setPlaceholderText(QStringLiteral("name (unique)"));
        m_price = new QDoubleSpinBox;
        m_price->setRange(0, 999999.99);
        m_price->setValue(9.99);
        m_insert = new QPushButton(QStringLiteral("Insert row"));

        auto *form = new QFormLayout;
        form->addRow(QStringLiteral("Name"), m_name);
        form->addRow(QStringLiteral("Price"), m_price);
        form->addRow(QString(), m_insert);
        auto *central = new QWidget;
        auto *layout = new QVBoxLayout(central);
        layout->addWidget(m_view);
        layout->addLayout(form);
        setCentralWidget(central);

        connect(m_insert, &QPushButton::clicked, this, &ItemsWindow::insertRow);
        connect(m_name, &QLineEdit::returnPressed, this, &ItemsWindow::insertRow);
        // The cursor's signals: one for success, one for the typed error.
        connect(m_cursor, &Cursor::executed, this, &ItemsWindow::rowInserted);
        connect(m_cursor, &Cursor::errorOccurred, this, &ItemsWindow::insertFailed);
        connect(m_model, &ResultModel::statusChanged, this, &ItemsWindow::modelStatusChanged);
    }

    ResultModel *model() const { return m_model; }
    void fill(const QString &name, double price)
    {
        m_name->setText(name);
        m_price->setValue(price);
    }
    void clickInsert() { m_insert->click(); }
    QString message() const { return statusBar()->currentMessage(); }

Q_SIGNALS:
    void insertDone(bool ok);

private Q_SLOTS:
    void insertRow()
    {
        if (m_name->text().isEmpty())
            return;
        m_insert->setEnabled(false);
        statusBar()->showMessage(QStringLiteral("Inserting %1…").arg(m_name->text()));
        // The result comes back through executed() or errorOccurred(); the future is not needed.
        (void)m_cursor->execute(QStringLiteral("INSERT INTO widget_items (name, price) VALUES (%s, %s)"),
                                {m_name->text(), QString::number(m_price->value(), 'f', 2)});
    }

    void rowInserted(qint64 affectedRows)
    {
        m_insert->setEnabled(true);
        statusBar()->showMessage(QStringLiteral("Inserted %1 row, id %2").arg(affectedRows).arg(m_cursor->lastRowId()));
        m_model->reload(); // newest first: the row shows at the top
        Q_EMIT insertDone(true);
    }

    void insertFailed(const AsyncMySql::Error &error)
    {
        m_insert->setEnabled(true);
        const bool duplicate = error.type() == Error::Type::Integrity;
        statusBar()->showMessage((duplicate ? QStringLiteral("Not inserted: ") : QStringLiteral("Error: ")) + error.message());
        Q_EMIT insertDone(false);
    }

    void modelStatusChanged(AsyncMySql::ResultModel::Status status)
    {
        if (status == ResultModel::Status::Error)
            statusBar()->showMessage(QStringLiteral("Query failed: ") + m_model->errorString());
    }

private:
    ResultModel *m_model;
    Cursor *m_cursor;
    QTableView *m_view = nullptr;
    QLineEdit *m_name = nullptr;
    QDoubleSpinBox *m_price = nullptr;
    QPushButton *m_insert = nullptr;
};

/*!
    --selftest: drives the window as a user would and exits with 0 when every step worked.
    Each step waits for a signal; a run that takes too long fails.
*/
class SelfTest : public QObject
{
    Q_OBJECT

public:
    explicit SelfTest(ItemsWindow *window) : QObject(window), m_window(window)
    {
        QTimer::singleShot(30000, this, [this] { fail(QStringLiteral("timed out")); });
        whenReady([this] { firstRows(); });
    }

private:
    void whenReady(std::function<void()> next)
    {
        ResultModel *model = m_window->model();
        if (model->status() == ResultModel::Status::Ready) {
            QTimer::singleShot(0, this, next);
            return;
        }
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = connect(model, &ResultModel::statusChanged, this, [this, connection, next](ResultModel::Status s) {
            if (s == ResultModel::Status::Error)
                fail(QStringLiteral("the model failed: ") + m_window->model()->errorString());
            if (s != ResultModel::Status::Ready)
                return;
            disconnect(*connection);
            next();
        });
    }

    void firstRows()
    {
        ResultModel *model = m_window->model();
        std::printf("selftest: %d rows in the first batch, more to fetch: %s\n", model->rowCount(),
                    model->canFetchMore(QModelIndex()) ? "yes" : "no");
        m_name = QStringLiteral("selftest %1").arg(QDateTime::currentMSecsSinceEpoch());
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = connect(m_window, &ItemsWindow::insertDone, this, [this, connection](bool ok) {
            disconnect(*connection);
            if (!ok)
                fail(QStringLiteral("insert failed: ") + m_window->message());
            whenReady([this] { inserted(); });
        });
        m_window->fill(m_name, 12.5);
        m_window->clickInsert();
    }

    void inserted()
    {
        const QModelIndex top = m_window->model()->index(0, 1);
        if (top.data().toString() != m_name)
            fail(QStringLiteral("the top row is %1, not %2").arg(top.data().toString(), m_name));
        std::printf("selftest: %s (%s) shows at the top\n", qPrintable(m_name), qPrintable(m_window->message()));
        connect(m_window, &ItemsWindow::insertDone, this, [this](bool ok) {
            if (ok || !m_window->message().contains(QStringLiteral("Duplicate entry")))
                fail(QStringLiteral("a second insert of the same name gave: ") + m_window->message());
            std::printf("selftest: inserting it again: %s\nselftest: passed\n", qPrintable(m_window->message()));
            QCoreApplication::exit(0);
        });
        m_window->clickInsert();
    }

    void fail(const QString &why)
    {
        std::fprintf(stderr, "selftest FAILED: %s\n", qPrintable(why));
        QCoreApplication::exit(1);
    }

    ItemsWindow *m_window;
    QString m_name;
};

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("selftest"), QStringLiteral("Insert a row through the form, check it, exit.")});
    parser.addPositionalArgument(QStringLiteral("url"), QStringLiteral("mysql://user:password@host:port/database"));
    parser.process(app);
    const ConnectOptions options = Example::connectOptions(parser.positionalArguments().value(0));

    // The form's own connection; the table borrows connections from the pool.
    auto *connection = new Connection(options, &app);
    PoolOptions poolOptions;
    poolOptions.connection = options;
    poolOptions.maxSize = 2;
    auto *pool = new Pool(poolOptions, &app);
    std::unique_ptr<ItemsWindow> window;

    connection->open()
            .then(&app, [connection] { return connection->query(CreateTable); })
            .unwrap()
            .then(&app, [connection](const ResultSet &) { return connection->query(SeedRows); })
            .unwrap()
            .then(&app, [&](const ResultSet &) {
                window = std::make_unique<ItemsWindow>(pool, connection);
                if (parser.isSet(QStringLiteral("selftest")))
                    new SelfTest(window.get());
                window->show();
            })
            .onFailed(&app, [](const Error &e) {
                std::fprintf(stderr, "cannot set up the table: %s\n", e.what());
                QCoreApplication::exit(1);
            });
    return app.exec();
}

#include "main.moc"
