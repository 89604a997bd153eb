// SPDX-License-Identifier: MIT
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import AsyncMySql

ApplicationWindow {
    id: window

    required property url databaseUrl
    property string initialTable
    property bool selftest: false
    property string screenshot

    // For SelfTest.qml.
    readonly property alias rowsModel: rows
    readonly property alias picker: tablePicker
    readonly property alias filterField: filter
    readonly property alias table: tableView
    readonly property alias headers: headerView
    readonly property alias errorText: errorLabel

    width: 1000
    height: 620
    visible: true
    title: "AsyncMySql browser — " + (tablePicker.currentText || "no table")

    Database {
        id: db
        url: window.databaseUrl
        maxSize: 4
    }

    SqlQueryModel {
        id: tables
        database: db
        query: "SELECT table_name AS name FROM information_schema.tables "
               + "WHERE table_schema = DATABASE() ORDER BY table_name"
        onStatusChanged: {
            if (tables.status === SqlQueryModel.Ready && tablePicker.currentIndex < 0)
                tablePicker.currentIndex = Math.max(0, tablePicker.find(window.initialTable))
        }
    }

    SqlQueryModel {
        id: columns
        database: db
        query: "SELECT column_name AS name FROM information_schema.columns "
               + "WHERE table_schema = DATABASE() AND table_name = %s ORDER BY ordinal_position"
        arguments: [tablePicker.currentText]
    }

    // `name` as an identifier; `%` doubled because the query has arguments once filtered.
    function identifier(name, withArguments) {
        const quoted = "`" + name.replace(/`/g, "``") + "`"
        return withArguments ? quoted.replace(/%/g, "%%") : quoted
    }

    SqlQueryModel {
        id: rows
        database: db
        view: tableView // keeps the TableView filled: it asks for more only at its end
        batchSize: 100
        query: {
            if (tablePicker.currentText === "" || columns.status !== SqlQueryModel.Ready)
                return ""
            const filtered = filter.text !== ""
            let sql = "SELECT * FROM " + window.identifier(tablePicker.currentText, filtered)
            if (filtered && columns.rowCount > 0) {
                let names = []
                for (let i = 0; i < columns.rowCount; ++i)
                    names.push(window.identifier(columns.get(i).name, true))
                sql += " WHERE CONCAT_WS(' ', " + names.join(", ") + ") LIKE %s"
            }
            return sql
        }
        arguments: filter.text === "" ? [] : ["%" + filter.text + "%"]
    }

    header: ToolBar {
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 8
            anchors.rightMargin: 8
            spacing: 8
            Label { text: "Table" }
            ComboBox {
                id: tablePicker
                model: tables
                textRole: "name"
                currentIndex: -1
                Layout.preferredWidth: 200
            }
            TextField {
                id: filter
                placeholderText: "Filter rows (any column contains…)"
                selectByMouse: true
                Layout.fillWidth: true
            }
            BusyIndicator {
                running: rows.status === SqlQueryModel.Loading || db.status === Database.Connecting
                Layout.preferredHeight: 32
                Layout.preferredWidth: 32
            }
            Label {
                id: rowCountLabel
                text: rows.status === SqlQueryModel.Ready
                      ? rows.rowCount + (rows.canFetchMore(rows.index(-1, -1)) ? "+ rows" : " rows") : ""
                Layout.minimumWidth: 90
            }
        }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Label {
            id: errorLabel
            visible: rows.status === SqlQueryModel.Error || db.status === Database.Error
            text: db.status === Database.Error ? db.errorString : rows.errorString
            color: "white"
            wrapMode: Text.Wrap
            padding: 8
            background: Rectangle { color: "#b3261e" }
            Layout.fillWidth: true
        }

        HorizontalHeaderView {
            id: headerView
            syncView: tableView
            clip: true
            Layout.fillWidth: true
            delegate: Rectangle {
                required property var display
                readonly property string shown: String(display)
                implicitHeight: 28
                color: palette.button
                border.color: palette.mid
                Text {
                    anchors.centerIn: parent
                    text: parent.shown
                    font.bold: true
                    color: palette.buttonText
                }
            }
        }

        TableView {
            id: tableView
            model: rows
            clip: true
            boundsBehavior: Flickable.StopAtBounds
            columnWidthProvider: column => Math.max(90, Math.min(260, width / Math.max(1, columns.rowCount)))
            Layout.fillWidth: true
            Layout.fillHeight: true
            ScrollBar.vertical: ScrollBar { }
            ScrollBar.horizontal: ScrollBar { }

            delegate: Rectangle {
                required property var display
                required property int row
                readonly property string shown: display == null ? "NULL" : String(display)
                implicitHeight: 26
                color: row % 2 ? palette.alternateBase : palette.base
                Text {
                    anchors.fill: parent
                    anchors.leftMargin: 6
                    anchors.rightMargin: 6
                    verticalAlignment: Text.AlignVCenter
                    elide: Text.ElideRight
                    text: parent.shown
                    color: display == null ? "gray" : palette.text
                }
            }
        }
    }

    Loader {
        active: window.selftest || window.screenshot !== ""
        sourceComponent: SelfTest { browser: window }
    }
}
