// SPDX-License-Identifier: MIT
// The unattended runs of the browser (--selftest, --screenshot): each step waits for the UI to
// reach a state, checks it, and acts; a run that does not finish in time fails.
import QtQuick
import AsyncMySql

Item {
    id: test

    required property var browser
    readonly property var rows: browser.rowsModel
    property int step: 0
    property int lastCount: 0
    property int scrolls: 0

    function log(text) { console.log("selftest: " + text) }
    function fail(why) {
        console.error("selftest FAILED: " + why)
        Qt.exit(1)
    }
    function rowsReady() { return rows.status === SqlQueryModel.Ready }

    // Each returns true when its step is done; they run in turn, every 50 ms.
    readonly property var firstRows: function () {
        if (browser.picker.currentText !== browser.initialTable || !rowsReady() || browser.table.rows === 0)
            return false
        const cell = browser.table.itemAtCell(Qt.point(1, 0))
        if (!cell)
            return false // the view creates its delegates a frame after its rows
        if (cell.shown !== "item 1")
            fail("first row shows " + cell.shown)
        if (rows.columnNames[1] !== "name")
            fail("columns " + rows.columnNames)
        log(rows.rowCount + " rows fetched at first, columns " + rows.columnNames)
        return true
    }
    readonly property var scrolling: function () {
        if (rows.rowCount <= lastCount)
            return false // the next batch is on its way
        if (scrolls === 5) {
            if (rows.rowCount >= 5000)
                fail("scrolling fetched " + rows.rowCount + " rows, not batches")
            log("after 5 scrolls to the end: " + rows.rowCount + " rows fetched")
            return true
        }
        lastCount = rows.rowCount
        browser.table.contentY = browser.table.contentHeight - browser.table.height
        ++scrolls
        return false
    }
    readonly property var filtering: function () {
        if (browser.filterField.text === "") {
            browser.filterField.text = "item 99999"
            return false
        }
        if (!rowsReady())
            return false
        if (rows.rowCount !== 1 || rows.get(0).id !== 99999)
            fail("filter found " + rows.rowCount + " rows")
        log("filter 'item 99999': 1 row, id " + rows.get(0).id)
        return true
    }
    readonly property var otherColumns: function () {
        if (browser.picker.currentText !== "demo_categories") {
            browser.filterField.text = ""
            browser.picker.currentIndex = browser.picker.find("demo_categories")
            return false
        }
        if (!rowsReady() || rows.rowCount !== 4 || browser.headers.columns !== 4)
            return false
        const header = browser.headers.itemAtCell(Qt.point(0, 0))
        const cell = browser.table.itemAtCell(Qt.point(1, 0))
        if (!header || header.shown !== "category" || !cell || cell.shown !== "25000")
            return false // the view catches up with the new columns in a frame or two
        log("demo_categories: headers " + rows.columnNames + ", first row " + rows.get(0).category)
        return true
    }
    readonly property var failing: function () {
        if (browser.picker.currentText !== "demo_broken") {
            browser.filterField.text = ""
            browser.picker.currentIndex = browser.picker.find("demo_broken")
            return false
        }
        if (rows.status !== SqlQueryModel.Error)
            return false
        if (!browser.errorText.visible || browser.errorText.text.indexOf("demo_broken") < 0)
            fail("error not shown: " + browser.errorText.text)
        log("demo_broken shows the error: " + browser.errorText.text)
        return true
    }
    readonly property var passed: function () {
        log("passed")
        Qt.exit(0)
        return true
    }
    readonly property var settle: function () {
        settleTimer.start()
        return true
    }
    readonly property var shoot: function () {
        if (settleTimer.running)
            return false
        browser.contentItem.parent.grabToImage(function (result) {
            if (!result.saveToFile(browser.screenshot))
                fail("cannot write " + browser.screenshot)
            log("saved " + browser.screenshot)
            Qt.exit(0)
        })
        return true
    }
    readonly property var steps: browser.screenshot !== ""
                                 ? [firstRows, settle, shoot]
                                 : [firstRows, scrolling, filtering, otherColumns, failing, passed]

    Timer {
        id: settleTimer
        interval: 500 // a few frames: the busy indicator stops, the scroll bar appears
    }

    Timer {
        interval: 50
        repeat: true
        running: test.step < test.steps.length
        onTriggered: {
            if (test.steps[test.step]())
                ++test.step
        }
    }

    Timer {
        interval: 30000
        running: true
        onTriggered: test.fail("timed out in step " + test.step)
    }
}
