// SPDX-License-Identifier: MIT
// SqlQueryModel and Database from QML, against the throw-away server.
import QtQuick
import QtTest
import AsyncMySql

Item {
    id: root
    width: 400
    height: 300

    Database {
        id: db
        host: testServer.host
        port: testServer.port
        user: testServer.user
        password: testServer.password
        database: testServer.database
        maxSize: 6
    }

    // Runs \a sql and waits for its promise; fails the test if it rejects.
    function run(sql, args) {
        let result = null
        let error = null
        db.exec(sql, args).then(r => result = r, e => error = e)
        testCase.tryVerify(() => result !== null || error !== null, 10000, "exec() settles")
        testCase.verify(error === null, error ? error.message : "")
        return result
    }

    SqlQueryModel {
        id: plain // no view: only the first batch is fetched unasked
        database: db
        batchSize: 20
        property var statuses: []
        onStatusChanged: statuses.push(plain.status)
    }

    SqlQueryModel {
        id: listModel
        database: db
        property int limit: 3
        query: "SELECT id, name FROM t_qml WHERE id <= %s ORDER BY id"
        arguments: [limit]
    }

    ListView {
        id: list
        width: 200
        height: 100
        model: listModel
        delegate: Text {
            height: 20
            // Column roles by name, as a ListView delegate uses them.
            text: id + ": " + name
        }
    }

    SqlQueryModel {
        id: shapeModel
        database: db
        view: shapeList
    }

    ListView {
        id: shapeList
        width: 200
        height: 100
        model: shapeModel
        delegate: Text {
            height: 20
            text: (model.first !== undefined ? "first=" + model.first : "")
                  + (model.second !== undefined ? "second=" + model.second : "")
        }
    }

    SqlQueryModel {
        id: tableModel
        database: db
        batchSize: 10
        view: table
    }

    TableView {
        id: table
        width: 300
        height: 300 // fifteen rows of 20: more than a batch
        clip: true
        model: tableModel
        delegate: Item {
            implicitWidth: 100
            implicitHeight: 20
            Text { text: display }
        }
    }

    TestCase {
        id: testCase
        name: "SqlQueryModel"
        when: windowShown

        // A view creates its delegates after its count changed, on a later frame: wait for the
        // item itself, not only for the count.
        function waitForItemText(view, index, text) {
            tryVerify(function() { const item = view.itemAtIndex(index); return item !== null && item.text === text },
                      5000, view + " item " + index + " should show " + text)
        }

        function initTestCase() {
            verify(testServer.available, "run through scripts/test.sh (it starts the server)")
            tryCompare(db, "status", Database.Ready, 10000)
            run("CREATE OR REPLACE TABLE t_qml (id INT PRIMARY KEY, name VARCHAR(40) UNIQUE, price DECIMAL(8,2))")
            run("INSERT INTO t_qml SELECT seq, CONCAT('item ', seq), seq * 1.5 FROM seq_1_to_500")
            listModel.reload() // it ran at creation, before the table existed
        }

        function cleanupTestCase() {
            if (testServer.available)
                run("DROP TABLE IF EXISTS t_qml")
        }

        function test_loadingThenReady() {
            plain.statuses = []
            plain.query = "SELECT id, name, price FROM t_qml ORDER BY id"
            compare(plain.status, SqlQueryModel.Loading)
            tryCompare(plain, "status", SqlQueryModel.Ready, 10000)
            compare(plain.statuses, [SqlQueryModel.Loading, SqlQueryModel.Ready])
            compare(plain.rowCount, 20) // one batch: no view asked for more
            compare(plain.columnNames, ["id", "name", "price"])
            compare(plain.errorString, "")
            compare(plain.get(0).name, "item 1")
            compare(plain.get(19).id, 20)
            compare(plain.get(1).price, "3.00") // DECIMAL stays exact text
        }

        function test_listViewRoles() {
            tryCompare(listModel, "status", SqlQueryModel.Ready, 10000)
            compare(listModel.rowCount, 3)
            tryCompare(list, "count", 3)
            waitForItemText(list, 0, "1: item 1")
            waitForItemText(list, 2, "3: item 3")
        }

        function test_argumentsReload() {
            tryCompare(listModel, "status", SqlQueryModel.Ready, 10000)
            listModel.limit = 5 // through the binding of arguments
            compare(listModel.status, SqlQueryModel.Loading)
            compare(listModel.rowCount, 0) // the old rows are gone at once
            tryCompare(listModel, "status", SqlQueryModel.Ready, 10000)
            compare(listModel.rowCount, 5)
            tryCompare(list, "count", 5)
            waitForItemText(list, 4, "5: item 5")
            listModel.limit = 3
            tryCompare(listModel, "rowCount", 3, 10000)
        }

        function test_namedArguments() {
            plain.query = "SELECT name FROM t_qml WHERE id BETWEEN %(lo)s AND %(hi)s ORDER BY id"
            plain.arguments = {lo: 10, hi: 12}
            tryCompare(plain, "status", SqlQueryModel.Ready, 10000)
            compare(plain.rowCount, 3)
            compare(plain.get(2).name, "item 12")
            plain.arguments = []
        }

        function test_error() {
            plain.query = "SELECT id FROM t_qml ORDER BY id"
            tryCompare(plain, "status", SqlQueryModel.Ready, 10000)
            verify(plain.rowCount > 0)
            plain.query = "SELECT id FROM t_qml_missing"
            tryCompare(plain, "status", SqlQueryModel.Error, 10000)
            verify(plain.errorString.indexOf("t_qml_missing") >= 0, plain.errorString)
            compare(plain.rowCount, 0) // empty, never the rows of the query before
            compare(plain.columnNames, [])
        }

        function test_tableViewFetchesIncrementally() {
            tableModel.query = "SELECT id, name FROM t_qml ORDER BY id"
            tryCompare(tableModel, "status", SqlQueryModel.Ready, 10000)
            // The model fills the view (fifteen rows visible, batches of ten), and fetches a
            // view's height ahead, not the whole table.
            tryVerify(() => table.rows >= 15, 10000, "rows in the view: " + table.rows)
            wait(200)
            verify(tableModel.rowCount >= 30 && tableModel.rowCount <= 40, "fetched " + tableModel.rowCount)
            // Scrolling to the end asks for the next batch, until there is none.
            let rounds = 0
            while (tableModel.canFetchMore(tableModel.index(-1, -1)) && rounds < 200) {
                const before = tableModel.rowCount
                table.contentY = table.contentHeight - table.height
                tryVerify(() => tableModel.rowCount > before || !tableModel.canFetchMore(tableModel.index(-1, -1)), 5000,
                          "more rows after scrolling to row " + before)
                ++rounds
            }
            compare(tableModel.rowCount, 500)
            verify(rounds > 5, "came in " + rounds + " batches")
        }

        function test_rolesFollowColumns() {
            shapeModel.query = "SELECT 1 AS first"
            tryCompare(shapeModel, "status", SqlQueryModel.Ready, 10000)
            tryCompare(shapeList, "count", 1)
            waitForItemText(shapeList, 0, "first=1")
            // Other columns: the delegates see the new roles, not the old ones.
            shapeModel.query = "SELECT 2 AS second UNION SELECT 3"
            tryCompare(shapeModel, "status", SqlQueryModel.Ready, 10000)
            tryCompare(shapeList, "count", 2)
            waitForItemText(shapeList, 1, "second=3")
        }

        function test_reload() {
            plain.query = "SELECT COUNT(*) AS n FROM t_qml"
            tryCompare(plain, "status", SqlQueryModel.Ready, 10000)
            const before = plain.get(0).n
            run("INSERT INTO t_qml VALUES (%s, %s, %s)", [1000, "added", 1])
            plain.reload()
            compare(plain.status, SqlQueryModel.Loading)
            tryCompare(plain, "status", SqlQueryModel.Ready, 10000)
            compare(plain.get(0).n, before + 1)
            run("DELETE FROM t_qml WHERE id = 1000")
        }

        function test_execPromise() {
            const inserted = run("INSERT INTO t_qml (id, name, price) VALUES (%s, %s, %s)", [2000, "exec", "9.99"])
            compare(inserted.rowCount, 1)
            compare(inserted.rows, [])
            const selected = run("SELECT id, name, price FROM t_qml WHERE id = %(id)s", {id: 2000})
            compare(selected.columns, ["id", "name", "price"])
            compare(selected.rows.length, 1)
            compare(selected.rows[0].name, "exec")
            compare(selected.rows[0].price, "9.99")

            // A duplicate key rejects with the typed error, and .catch() works on the promise.
            let error = null
            db.exec("INSERT INTO t_qml (id, name) VALUES (%s, %s)", [2001, "exec"]).catch(e => error = e)
            tryVerify(() => error !== null, 10000)
            compare(error.type, "IntegrityError")
            compare(error.code, 1062)
            compare(error.sqlState, "23000")
            verify(error.message.indexOf("Duplicate") >= 0, error.message)
            verify(error instanceof Error)
            run("DELETE FROM t_qml WHERE id = 2000")
        }

        function test_execAutoincrementId() {
            run("CREATE OR REPLACE TABLE t_qml_ai (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
            const first = run("INSERT INTO t_qml_ai (v) VALUES (%s)", [7])
            const second = run("INSERT INTO t_qml_ai (v) VALUES (%s)", [8])
            compare(second.lastInsertId, first.lastInsertId + 1)
            // Committed (autocommit): another connection of the pool sees both.
            compare(run("SELECT COUNT(*) AS n FROM t_qml_ai").rows[0].n, 2)
            run("DROP TABLE t_qml_ai")
        }
    }

    Database {
        id: wrongPassword
        host: testServer.host
        port: testServer.port
        user: testServer.user
        password: "not the password"
        minSize: 0
    }

    SqlQueryModel {
        id: noAccess
        database: wrongPassword
        query: "SELECT 1"
    }

    TestCase {
        name: "Database"
        when: windowShown

        // One function: Qt Quick Test runs them in alphabetical order, and these build on each other.
        function test_wrongPasswordThenFixed() {
            tryCompare(wrongPassword, "status", Database.Error, 10000)
            verify(wrongPassword.errorString.indexOf("Access denied") >= 0, wrongPassword.errorString)
            tryCompare(noAccess, "status", SqlQueryModel.Error, 10000)
            verify(noAccess.errorString.indexOf("Access denied") >= 0, noAccess.errorString)
            compare(noAccess.rowCount, 0)

            // New options make a new pool; the model follows it and runs its query again.
            const oldPool = wrongPassword.pool
            wrongPassword.password = testServer.password
            tryCompare(wrongPassword, "status", Database.Ready, 10000)
            verify(wrongPassword.pool !== oldPool)
            tryCompare(noAccess, "status", SqlQueryModel.Ready, 10000)
            compare(noAccess.rowCount, 1)
        }
    }
}
