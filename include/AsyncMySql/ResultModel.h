// SPDX-License-Identifier: MIT
#pragma once

#include <AsyncMySql/Error.h>
#include <AsyncMySql/Pool.h>
#include <AsyncMySql/Row.h>

#include <QtCore/QAbstractTableModel>
#include <QtCore/QStringList>
#include <QtCore/QVariant>

#include <memory>

namespace AsyncMySql {

class ResultModelPrivate;

/*!
    A table model over the rows of one query, for item views (QTableView, QML TableView and
    ListView). It borrows a connection from a Pool, runs \c query with \c arguments, and
    appends the rows in batches of batchSize: the first batch by itself, the next ones when a
    view asks through canFetchMore()/fetchMore() (views do when they reach the last row), so a
    100,000-row table shows at once and costs only what is scrolled through. The connection
    goes back to the pool once the last row is in, or when the model reloads or is destroyed.

    Changing query, arguments or pool cancels the running query, empties the model and loads
    again (once, from a queued call, however many of them change together). status follows
    Image.status: Null (nothing to run), Loading (until the first batch is in), Ready, Error.
    After an error the model is empty and errorString() holds the server's message.

    Roles: Qt::DisplayRole ("display", the value prepared for display) and one role per column
    name, from Qt::UserRole up, holding the value as the library decodes it (see Row). A
    column named like an earlier one, or "display", has no role of its own.

    arguments is a QVariantList (or QStringList) for `%s`, a QVariantMap for `%(name)s`, or a
    single value for one `%s`; a JavaScript array or object from QML converts to these.
*/
class ASYNCMYSQL_EXPORT ResultModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_PROPERTY(AsyncMySql::Pool *pool READ pool WRITE setPool NOTIFY poolChanged)
    Q_PROPERTY(QString query READ query WRITE setQuery NOTIFY queryChanged)
    Q_PROPERTY(QVariant arguments READ arguments WRITE setArguments NOTIFY argumentsChanged)
    Q_PROPERTY(Status status READ status NOTIFY statusChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY statusChanged)
    // Not READ rowCount: QAbstractItemModel::rowCount(parent) is invokable under that name.
    Q_PROPERTY(int rowCount READ count NOTIFY rowCountChanged)
    Q_PROPERTY(QStringList columnNames READ columnNames NOTIFY columnNamesChanged)
    Q_PROPERTY(int batchSize READ batchSize WRITE setBatchSize NOTIFY batchSizeChanged)

public:
    enum class Status { Null, Loading, Ready, Error };
    Q_ENUM(Status)

    explicit ResultModel(QObject *parent = nullptr);
    explicit ResultModel(Pool *pool, QObject *parent = nullptr);
    ~ResultModel() override;

    Pool *pool() const;
    void setPool(Pool *pool);
    QString query() const;
    void setQuery(const QString &query);
    QVariant arguments() const;
    void setArguments(const QVariant &arguments);
    int batchSize() const;
    //! Rows per fetch (at least 1; 200 by default).
    void setBatchSize(int size);

    Status status() const;
    QString errorString() const;
    //! Rows fetched so far.
    int count() const;
    QStringList columnNames() const;
    QList<Column> columns() const;
    //! Row \a row as fetched; an empty Row when out of range.
    Row row(int row) const;
    //! Row \a row by column name, as ListModel.get() (empty when out of range).
    Q_INVOKABLE QVariantMap get(int row) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;
    //! True while the result has rows not fetched yet.
    bool canFetchMore(const QModelIndex &parent) const override;
    //! Fetches the next batch (after the one in flight, if any).
    void fetchMore(const QModelIndex &parent) override;

public Q_SLOTS:
    //! Runs the query again (from a queued call), dropping the rows fetched so far.
    void reload();

Q_SIGNALS:
    void poolChanged();
    void queryChanged();
    void argumentsChanged();
    void statusChanged(AsyncMySql::ResultModel::Status status);
    void rowCountChanged();
    void columnNamesChanged();
    void batchSizeChanged();
    //! The query failed; status() is Error and the model empty.
    void errorOccurred(const AsyncMySql::Error &error);

private:
    friend class ResultModelPrivate;
    std::unique_ptr<ResultModelPrivate> d;
};

} // namespace AsyncMySql
